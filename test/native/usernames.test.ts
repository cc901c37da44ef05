// Usernames: RFC 8265 preparation and enforcement (PRECIS IdentifierClass, width mapping, NFC, Bidi),
// UTS #39 skeletons, and the character check of federation identifiers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameter } from '../../src/directory/errors.js';
import { checkIdentifierChars, prepareUsername, usernameSkeleton } from '../../src/native/usernames.js';

const ci = { caseSensitive: false };
const cs = { caseSensitive: true };
const hex = (cp: number) => 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');

/** Asserts an InvalidParameter (InvalidParameterException) whose message matches. */
function refused(f: () => unknown, message: string | RegExp, label?: string): void {
  assert.throws(
    f,
    (e: unknown) => {
      assert.ok(e instanceof InvalidParameter, `${label ?? ''}: an InvalidParameter, not ${String(e)}`);
      assert.equal(e.code, 'InvalidParameterException');
      if (typeof message === 'string') assert.ok(e.message.includes(message), `${label ?? ''}: "${e.message}" should include "${message}"`);
      else assert.match(e.message, message, label);
      return true;
    },
    label,
  );
}

describe('prepareUsername: mappings', () => {
  const cases: Array<[string, string, string]> = [
    ['fullwidth letters', 'ａｌｉｃｅ', 'alice'],
    ['fullwidth capitals keep their case', 'ＡＬＩＣＥ', 'ALICE'],
    ['fullwidth ASCII punctuation and digits', 'ｂｏｂ＿１＠ｘ．ｃｏ', 'bob_1@x.co'],
    ['halfwidth katakana become fullwidth', 'ｶﾀｶﾅ', 'カタカナ'],
    ['halfwidth voiced mark composes (NFC) with its kana', 'ｶﾞｷﾞ', 'ガギ'],
    ['halfwidth prolonged sound mark', 'ｺｰﾋｰ', 'コーヒー'],
    ['halfwidth katakana middle dot, next to kana', 'ｱ･ｲ', 'ア・イ'],
    ['case is preserved', 'Alice', 'Alice'],
    ['NFD input comes out NFC', 'cafe\u0301', 'caf\u00e9'],
    ['conjoining jamo compose into a syllable', '\u1100\u1161', '가'],
    ['canonical singletons normalize: OHM SIGN is omega', 'x\u2126', 'x\u03a9'],
    ['ANGSTROM SIGN is Å', '\u212b', '\u00c5'],
  ];
  for (const [label, input, output] of cases)
    it(label, () => {
      assert.equal(prepareUsername(input, ci), output);
      assert.equal(prepareUsername(input, cs), output);
    });
});

describe('prepareUsername: what is allowed', () => {
  const allowed: Array<[string, string]> = [
    ['ASCII punctuation', 'a.b-c_d+e@f'],
    ['every printable ASCII character but space', Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join('')],
    ['Latin with diacritics', 'Zoë.Ångström'],
    ['sharp s and final sigma (PVALID exceptions)', 'straße.λόγος'],
    ['Greek', 'ελένη'],
    ['Cyrillic', 'иван'],
    ['CJK', '山田太郎'],
    ['ideographic number zero (PVALID exception)', '〇一'],
    ['Hangul', '김철수'],
    ['Devanagari with virama', 'नमस्ते'],
    ['Japanese with katakana middle dot', 'やまだ・たろう'],
    ['Catalan middle dot between l', 'col·lecció'],
    ['Greek keraia before a Greek letter', '͵α'],
    ['Hebrew', 'שלום'],
    ['Hebrew with points (trailing mark)', 'שָׁלוֹם'],
    ['Hebrew with geresh after a Hebrew letter', 'צ׳רלי'],
    ['Hebrew then European digits', 'שלום123'],
    ['Arabic', 'مرحبا'],
    ['Arabic then Arabic-Indic digits', 'مرحبا٣'],
    ['Arabic with ASCII punctuation inside', 'علي.حسن'],
    ['NKo with NKo digits', 'ߊߊ߀'],
    ['128 code points', 'a'.repeat(128)],
    ['128 astral code points', '\u{20000}'.repeat(128)],
    ['256 NFD code points that compose into 128', 'e\u0301'.repeat(128)],
  ];
  for (const [label, input] of allowed) it(label, () => assert.equal(prepareUsername(input, ci), input.normalize('NFC')));
});

describe('prepareUsername: what is refused', () => {
  const notAllowed = 'Username contains a character that is not allowed: ';
  // [label, input, the code point the message names, what it says]
  const cases: Array<[string, string, number, string]> = [
    ['no-break space', 'a\u00a0b', 0x00a0, '(space)'],
    ['ideographic space (width-mapped to U+0020, named as typed)', 'a\u3000b', 0x3000, '(space)'],
    ['ASCII space', 'a b', 0x0020, '(space)'],
    ['tab', 'a\tb', 0x0009, '(control character)'],
    ['NUL', 'a\0b', 0x0000, '(control character)'],
    ['line feed', 'a\nb', 0x000a, '(control character)'],
    ['DEL', 'a\u007fb', 0x007f, '(control character)'],
    ['zero width joiner (CONTEXTJ, refused everywhere)', 'a\u200db', 0x200d, '(invisible formatting character)'],
    ['ZWJ even after a virama', 'क्\u200dष', 0x200d, '(invisible formatting character)'],
    ['right-to-left override', 'a\u202eb', 0x202e, '(invisible formatting character)'],
    ['soft hyphen', 'a\u00adb', 0x00ad, '(invisible formatting character)'],
    ['variation selector (default ignorable)', 'a\ufe0f', 0xfe0f, '(invisible formatting character)'],
    ['BOM', '\ufeffa', 0xfeff, '(invisible formatting character)'],
    ['circled digit (No, HasCompat)', 'a①', 0x2460, '"①" (compatibility character; write "1" instead)'],
    ['title-case digraph (Lt, HasCompat)', 'ǅa', 0x01c5, '"ǅ" (compatibility character'],
    ['title-case Greek without compatibility mapping (Lt)', 'xᾈ', 0x1f88, '"ᾈ" (title-case letter)'],
    ['trade mark sign (So, HasCompat)', 'a™', 0x2122, '"™" (compatibility character; write "TM" instead)'],
    ['ligature', 'ﬁsh', 0xfb01, '"ﬁ" (compatibility character; write "fi" instead)'],
    ['Bengali currency numerator (No)', 'a৴', 0x09f4, '"৴" (special number form)'],
    ['Roman numeral (Nl, HasCompat)', 'Ⅻ', 0x216b, '"Ⅻ" (compatibility character; write "XII" instead)'],
    ['enclosing mark (Me)', 'a\u20dd', 0x20dd, '(enclosing mark)'],
    ['non-ASCII symbol', 'a★', 0x2605, '"★" (symbol)'],
    ['currency sign', '5€', 0x20ac, '"€" (symbol)'],
    ['emoji', 'bob😀', 0x1f600, '"😀" (symbol)'],
    ['ellipsis (punctuation, HasCompat)', 'a…', 0x2026, '"…" (compatibility character; write "..." instead)'],
    ['non-ASCII punctuation', '¡hola', 0x00a1, '"¡" (punctuation)'],
    ['em dash', 'a—b', 0x2014, '"—" (punctuation)'],
    ['halfwidth ideographic full stop (mapped, then punctuation)', 'a｡', 0xff61, '"｡" (punctuation)'],
    ['fullwidth pound sign (mapped, then symbol)', '￡5', 0xffe1, '"￡" (symbol)'],
    ['fullwidth macron (one-step mapping to U+00AF)', 'a￣', 0xffe3, '"￣" (compatibility character)'],
    ['halfwidth Hangul (mapped to compatibility jamo, not composed into 가)', 'ﾡￂ', 0xffa1, '"ﾡ" (compatibility character)'],
    ['Hangul compatibility jamo', 'ㄱ', 0x3131, '"ㄱ" (compatibility character)'],
    ['a stray conjoining jamo', 'a\u1100', 0x1100, '"\u1100" (conjoining Hangul jamo)'],
    ['Arabic tatweel (DISALLOWED exception)', 'مـا', 0x0640, '"\u0640" (elongation, repetition or tone mark)'],
    ['private use', 'a\ue000', 0xe000, '(private-use character)'],
    ['unpaired surrogate', 'a\ud800', 0xd800, '(unpaired surrogate)'],
    ['noncharacter U+FDD0', 'a\ufdd0', 0xfdd0, '(noncharacter)'],
    ['noncharacter U+FFFE', 'a\ufffe', 0xfffe, '(noncharacter)'],
    ['unassigned', 'a\u0378', 0x0378, '(unassigned code point)'],
    ['line separator', 'a\u2028b', 0x2028, '(line separator)'],
    ['tag character', 'a\u{e0041}', 0xe0041, '(invisible formatting character)'],
  ];
  for (const [label, input, cp, what] of cases)
    it(label, () => {
      for (const o of [ci, cs]) refused(() => prepareUsername(input, o), notAllowed + hex(cp) + ' ' + what, label);
    });

  it('names the offending code point in the exact message a user sees', () => {
    refused(() => prepareUsername('a\u00a0b', ci), /^Username contains a character that is not allowed: U\+00A0 \(space\)\.$/);
    refused(() => prepareUsername('a\u202eb', ci), /^Username contains a character that is not allowed: U\+202E \(invisible formatting character\)\.$/);
  });

  const others: Array<[string, string, string | RegExp]> = [
    ['empty', '', 'Username must not be empty.'],
    ['129 code points', 'a'.repeat(129), 'Username must be at most 128 characters long.'],
    ['129 astral code points', '\u{20000}'.repeat(129), 'at most 128'],
    ['huge input', 'a'.repeat(100_000), 'at most 128'],
    ['middle dot not between l', 'a·b', 'Username may contain U+00B7 "·" only between two "l"s'],
    ['middle dot between capital L (RFC 5892 A.3 is literal)', 'COL·LECCIÓ', 'only between two "l"s'],
    ['katakana middle dot without kana or kanji', 'a・b', 'U+30FB "・" only with Japanese kana or kanji'],
    ['halfwidth katakana middle dot without kana, named as typed', 'a･b', 'U+FF65 "･" only with Japanese kana or kanji'],
    ['keraia before a non-Greek letter', '͵a', 'U+0375 "͵" only before a Greek letter'],
    ['geresh after a non-Hebrew letter', 'a׳', 'only after a Hebrew letter'],
    ['Arabic-Indic and extended Arabic-Indic digits', 'علي٣۳', 'must not mix Arabic-Indic digits'],
    ['Bidi rule 1: RTL name starting with a digit', '1שלום', 'must begin with a right-to-left letter'],
    ['Bidi rule 1: RTL name starting with punctuation', '.שלום', 'must begin with a right-to-left letter'],
    ['Bidi rule 2: Hebrew then Latin', 'שלוםa', 'must not mix right-to-left and left-to-right letters (U+0061 "a")'],
    ['Bidi rule 2: Latin then Hebrew', 'bobשלום', 'must not mix right-to-left and left-to-right letters'],
    ['Bidi rule 2: Latin with an Arabic-Indic digit (AN)', 'abc٣', 'must not mix right-to-left and left-to-right'],
    ['Bidi rule 3: RTL name ending with punctuation', 'שלום.', 'must end with a right-to-left letter or a digit'],
    ['Bidi rule 4: European and Arabic-Indic digits', 'مرحبا1٣', 'must not mix European and Arabic-Indic digits'],
  ];
  for (const [label, input, message] of others) it(label, () => refused(() => prepareUsername(input, ci), message, label));

  it('refuses a non-string at run time', () => refused(() => prepareUsername(undefined as unknown as string, ci), 'Username must be a string.'));
});

describe('prepareUsername: width mapping covers exactly the <wide>/<narrow> code points', () => {
  it('every assigned code point of U+FF00–U+FFEF is width-mapped, the others are unassigned', () => {
    let mapped = 0;
    for (let cp = 0xff00; cp <= 0xffef; cp++) {
      const ch = String.fromCodePoint(cp);
      const assigned = !/\p{Cn}/u.test(ch);
      let result: string | undefined;
      let message = '';
      try {
        result = prepareUsername(ch, cs);
      } catch (e) {
        assert.ok(e instanceof InvalidParameter);
        message = e.message;
      }
      if (!assigned) {
        assert.match(message, /unassigned code point/, hex(cp));
        continue;
      }
      mapped++;
      if (result !== undefined) {
        // Accepted only once mapped: the result is the character's <wide>/<narrow> decomposition.
        assert.notEqual(result, ch, hex(cp));
        assert.equal(result, ch.normalize('NFKC').normalize('NFC'), hex(cp));
      } else {
        // Refused as what it maps to, never as an unmapped fullwidth/halfwidth form.
        assert.ok(message.includes(hex(cp)), `${hex(cp)}: ${message}`);
        assert.doesNotMatch(message, /write ".*" instead/, hex(cp));
      }
    }
    assert.equal(mapped, 225, 'U+FF01–U+FFEE less the 9 unassigned (U+3000 is the 226th)');
  });

  it('other compatibility decompositions are not mapped but refused', () => {
    const cases: Array<[string, string]> = [
      ['\u00b9', 'super'],
      ['\u2082', 'sub'],
      ['\ufb01', 'compat'],
      ['\u2460', 'circle'],
      ['\u338f', 'square'],
      ['\u00bd', 'fraction'],
      ['\ufe50', 'small'],
      ['\ufe10', 'vertical'],
      ['\ufe8d', 'isolated'],
      ['\ufef5', 'isolated ligature'],
      ['\u{1d400}', 'font'],
      ['\u2102', 'font'],
      ['\u1d2c', 'super (modifier letter)'],
    ];
    for (const [ch, kind] of cases) refused(() => prepareUsername('a' + ch, cs), `${hex(ch.codePointAt(0)!)} "${ch}" (compatibility character`, kind);
    refused(() => prepareUsername('a\u00a0', cs), 'U+00A0 (space)', 'noBreak');
    refused(() => prepareUsername('a\u2011b', cs), 'U+2011 "‑" (compatibility character', 'noBreak hyphen');
  });
});

describe('usernameSkeleton', () => {
  const same: Array<[string, string, string, typeof ci]> = [
    ['fullwidth a', 'ａlice', 'alice', ci],
    ['Cyrillic а (U+0430)', 'аlice', 'alice', ci],
    ['all Cyrillic look-alikes', 'раураl', 'paypal', ci],
    ['Greek omicron', 'bοb', 'bob', ci],
    ['rn and m', 'rn', 'm', ci],
    ['case-insensitive: lower-cased first', 'alIce', 'alice', ci],
    ['case-insensitive: upper case', 'ALICE', 'alice', ci],
    ['case-insensitive: digit zero and O (mapped to a capital, lower-cased again)', 'b0b', 'bob', ci],
    ['case-insensitive: digit one and l', 'a1ice', 'alice', ci],
    ['NFD and NFC', 'cafe\u0301', 'café', ci],
    ['case-sensitive: capital I and l', 'aIice', 'alice', cs],
    ['case-sensitive: Cyrillic а', 'аlice', 'alice', cs],
    ['case-sensitive: rn and m', 'rnary', 'mary', cs],
    ['case-sensitive: Greek omicron', 'bοb', 'bob', cs],
  ];
  for (const [label, a, b, o] of same) it(`equal: ${label}`, () => assert.equal(usernameSkeleton(a, o), usernameSkeleton(b, o)));

  const different: Array<[string, string, string, typeof ci]> = [
    ['bob and alice', 'bob', 'alice', ci],
    ['alice and alicia', 'alice', 'alicia', ci],
    ['case-insensitive: capital I becomes i, not l', 'aIice', 'alice', ci],
    ['case-sensitive: Alice and alice', 'Alice', 'alice', cs],
    ['case-sensitive: bOb and bob', 'bOb', 'bob', cs],
    ['bob and bob2', 'bob', 'bob2', cs],
  ];
  for (const [label, a, b, o] of different) it(`different: ${label}`, () => assert.notEqual(usernameSkeleton(a, o), usernameSkeleton(b, o)));

  it('refuses what prepareUsername refuses', () => {
    refused(() => usernameSkeleton('a\u00a0b', ci), 'U+00A0 (space)');
    refused(() => usernameSkeleton('', cs), 'must not be empty');
  });

  it('is in NFD', () => assert.equal(usernameSkeleton('café', cs), usernameSkeleton('café', cs).normalize('NFD')));
});

describe('checkIdentifierChars', () => {
  const bad: Array<[string, string, number]> = [
    ['NUL', 'a\0b', 0x0000],
    ['CR', 'a\rb', 0x000d],
    ['LF', 'a\nb', 0x000a],
    ['line separator', 'a\u2028b', 0x2028],
    ['paragraph separator', 'a\u2029b', 0x2029],
    ['BOM / zero width no-break space', '\ufeffa', 0xfeff],
    ['zero width space', 'a\u200bb', 0x200b],
    ['right-to-left override', 'a\u202eb', 0x202e],
    ['private use', 'a\ue000', 0xe000],
    ['supplementary private use', 'a\u{f0000}', 0xf0000],
    ['unpaired surrogate', 'a\udc00', 0xdc00],
    ['noncharacter U+FDD0', 'a\ufdd0', 0xfdd0],
    ['noncharacter U+FFFF', 'a\uffff', 0xffff],
    ['noncharacter U+1FFFE', 'a\u{1fffe}', 0x1fffe],
    ['unassigned', 'a\u0378', 0x0378],
  ];
  for (const [label, value, cp] of bad)
    it(`refuses ${label}`, () => refused(() => checkIdentifierChars(value, 'Subject'), new RegExp(`^Subject contains a character that is not allowed \\(${hex(cp).replace('+', '\\+')}\\)\\.$`), label));

  const good = ['CN=John Doe, O=Corp', '1234567890', 'user@example.com', 'a\u00a0b', 'a\u3000b', '山田', 'شخص', '😀', 'x'.repeat(1024), '😀'.repeat(1024)];
  for (const value of good) it(`allows ${JSON.stringify(value.slice(0, 24))}`, () => assert.doesNotThrow(() => checkIdentifierChars(value, 'Subject')));

  it('refuses the empty string and more than 1024 code points', () => {
    refused(() => checkIdentifierChars('', 'NameID'), 'NameID must not be empty.');
    refused(() => checkIdentifierChars('x'.repeat(1025), 'NameID'), 'NameID must be at most 1024 characters long.');
    refused(() => checkIdentifierChars('😀'.repeat(1025), 'NameID'), 'at most 1024');
  });
});
