// Usernames as RFC 8265 prepares and enforces them (PRECIS UsernameCaseMapped / UsernameCasePreserved,
// built on the IdentifierClass of RFC 8264), their UTS #39 confusable skeletons, and a lighter
// character check for identifiers that arrive through federation (OIDC `sub`, SAML NameID).
//
// Pure functions. Every refusal is an InvalidParameter whose message a user may read on the sign-up
// page: it names the offending code point (U+XXXX), and shows the character itself only when it is
// visible (never a control, space or invisible formatting character, which would garble the page).
//
// Unicode properties come from V8's regular expressions (\p{…}), that is from the ICU of the running
// Node: PRECIS is meant to follow the Unicode version in use, so a code point that a
// newer Unicode assigns becomes acceptable when Node is upgraded.
import unhomoglyph from 'unhomoglyph';
import { InvalidParameter } from '../directory/errors.js';

/** Cognito's limit, counted in code points of the prepared (NFC) username. */
const MAX_USERNAME = 128;
/** Federation identifiers (a SAML subject DN can be long), in code points. */
const MAX_IDENTIFIER = 1024;
/**
 * Raw inputs longer than this (UTF-16 units) cannot prepare to MAX_USERNAME code points: NFC composes
 * at most 4 code points into 1 (Greek Ω + breathing + accent + iota subscript), each at most 2 units,
 * so 8 units per output code point already suffice; 16 is a generous bound that only spares the work.
 */
const MAX_RAW_UNITS = 16 * MAX_USERNAME;

type Options = { caseSensitive: boolean };

// ---------------------------------------------------------------------------------------------------
// Preparation and enforcement (RFC 8265 §3.3 and §3.4, RFC 8264 §7)

/**
 * Prepares and enforces a username by RFC 8265 §3.3 (UsernameCaseMapped, case-insensitive pools)
 * or §3.4 (UsernameCasePreserved, `caseSensitive` pools), in the RFC's order:
 *
 *  1. width mapping: fullwidth and halfwidth code points become their <wide>/<narrow> decomposition;
 *  2. case mapping (CaseMapped only): toLowerCase — see below;
 *  3. normalization: NFC;
 *  4. the IdentifierClass behavioural rules (RFC 8264 §8, §9), including its contextual rules;
 *  5. the directionality ("Bidi") rule of RFC 5893, for strings with right-to-left characters;
 *  6. not empty, and (the broker's, i.e. Cognito's, own limit) at most 128 code points.
 *
 * Returns the *case-preserved* form: the broker stores the username as its user typed it (width
 * mapped and NFC) and its store compares usernames case-insensitively itself (`usernameKey`). For
 * case-insensitive pools the lower-cased form is enforced as well, since that is the string the RFC's
 * CaseMapped profile produces and compares; both must pass.
 *
 * The outcome does not depend on the order of steps 4–6 (none transforms the string), so the checks
 * that give the most specific message run first.
 */
export function prepareUsername(name: string, o: Options): string {
  if (typeof name !== 'string') throw new InvalidParameter('Username must be a string.');
  if (name.length > MAX_RAW_UNITS) throw tooLong('Username', MAX_USERNAME);
  const mapped = mapWidth(name);
  const prepared = mapped.normalize('NFC');
  const cps = [...prepared];
  if (cps.length === 0) throw new InvalidParameter('Username must not be empty.');
  if (cps.length > MAX_USERNAME) throw tooLong('Username', MAX_USERNAME);
  enforce(cps, name);
  if (!o.caseSensitive) {
    const lowered = mapped.toLowerCase().normalize('NFC');
    if (lowered !== prepared) enforce([...lowered], name);
  }
  return prepared;
}

// Width mapping (the width mapping rule of RFC 8265 §3.3 and §3.4; UAX #11): exactly the code points
// whose Unicode decomposition type is <wide> or <narrow>, as listed in UnicodeData.txt: U+3000,
// U+FF01–U+FF60 and U+FFE0–U+FFE6 (<wide>); U+FF61–U+FFDC and U+FFE8–U+FFEE (<narrow>), where
// U+FFBF–U+FFC1, U+FFC8–U+FFC9, U+FFD0–U+FFD1 and U+FFD8–U+FFD9 are unassigned. Decomposition
// mappings never change (Unicode stability policy) and the test checks that every other code point
// of U+FF00–U+FFEF is unassigned in the running Unicode.
const WIDE_OR_NARROW = /[\u3000\uFF01-\uFFBE\uFFC2-\uFFC7\uFFCA-\uFFCF\uFFD2-\uFFD7\uFFDA-\uFFDC\uFFE0-\uFFE6\uFFE8-\uFFEE]/gu;

// The RFC maps to the decomposition *mapping* (one step), which NFKC of the code point reproduces
// except where the target itself has a compatibility decomposition: U+FFE3 (→ U+00AF macron) and the
// halfwidth Hangul letters (→ Hangul compatibility jamo U+3131–U+3164, which NFKC would turn further
// into conjoining jamo that NFC could compose into syllables — the RFC instead refuses them as
// compatibility characters). Those get their one-step targets from these runs: [first, last, target].
const ONE_STEP: ReadonlyArray<readonly [number, number, number]> = [
  [0xffa0, 0xffa0, 0x3164],
  [0xffa1, 0xffbe, 0x3131],
  [0xffc2, 0xffc7, 0x314f],
  [0xffca, 0xffcf, 0x3155],
  [0xffd2, 0xffd7, 0x315b],
  [0xffda, 0xffdc, 0x3161],
  [0xffe3, 0xffe3, 0x00af],
];

function widthTarget(ch: string): string {
  const cp = ch.codePointAt(0)!;
  for (const [first, last, target] of ONE_STEP) if (cp >= first && cp <= last) return String.fromCodePoint(target + cp - first);
  return ch.normalize('NFKC');
}

const mapWidth = (s: string): string => s.replace(WIDE_OR_NARROW, widthTarget);
const IS_WIDE_OR_NARROW = new RegExp(`^${WIDE_OR_NARROW.source}$`, 'u');

// --- IdentifierClass (RFC 8264 §8, derived property values in the order of its §8 algorithm) ------

// Exceptions (category F of RFC 8264 §9, the table of RFC 5892 §2.6): decided before anything else.
const EXCEPTION_PVALID = new Set([0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007]);
const EXCEPTION_DISALLOWED = new Set([0x0640, 0x07fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b]);
const isArabicIndicDigit = (cp: number) => cp >= 0x0660 && cp <= 0x0669;
const isExtendedArabicIndicDigit = (cp: number) => cp >= 0x06f0 && cp <= 0x06f9;
const isContextO = (cp: number) =>
  cp === 0x00b7 || cp === 0x0375 || cp === 0x05f3 || cp === 0x05f4 || cp === 0x30fb || isArabicIndicDigit(cp) || isExtendedArabicIndicDigit(cp);
// JoinControl (H): ZWNJ, ZWJ.
const isJoinControl = (cp: number) => cp === 0x200c || cp === 0x200d;
// OldHangulJamo (I): conjoining jamo (Hangul_Syllable_Type L, V or T); NFC has already composed
// modern sequences into syllables, so what remains is archaic or stray.
const isConjoiningJamo = (cp: number) => (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff);

const UNASSIGNED = /^\p{Cn}$/u; // noncharacters are Cn too, but count as PrecisIgnorableProperties (M)
const NONCHARACTER = /^\p{Noncharacter_Code_Point}$/u;
const DEFAULT_IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const CONTROL = /^\p{Cc}$/u;
const LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u; // LetterDigits (A)
const hasCompat = (ch: string) => ch.normalize('NFKC') !== ch; // HasCompat (Q)

/**
 * A code point's IdentifierClass verdict: null when PVALID, 'context' when only a contextual rule
 * can allow it (CONTEXTO), else why it is refused (ID_DIS, DISALLOWED or UNASSIGNED).
 * ASCII7 (K) is U+0021–U+007E, so U+0020 falls through to Spaces.
 */
function classify(ch: string): null | 'context' | 'refused' {
  const cp = ch.codePointAt(0)!;
  if (EXCEPTION_PVALID.has(cp)) return null;
  if (EXCEPTION_DISALLOWED.has(cp)) return 'refused';
  if (isContextO(cp)) return 'context';
  if (UNASSIGNED.test(ch) && !NONCHARACTER.test(ch)) return 'refused';
  if (cp >= 0x21 && cp <= 0x7e) return null;
  // CONTEXTJ: the RFC allows ZWNJ/ZWJ after a virama (and ZWNJ between joining letters); this broker
  // refuses them everywhere — they are invisible, which is exactly what a username must not hide.
  if (isJoinControl(cp)) return 'refused';
  if (isConjoiningJamo(cp) || DEFAULT_IGNORABLE.test(ch) || NONCHARACTER.test(ch) || CONTROL.test(ch)) return 'refused';
  if (hasCompat(ch)) return 'refused';
  if (LETTER_DIGITS.test(ch)) return null;
  // OtherLetterDigits (Lt, Nl, No, Me), Spaces (Zs), Symbols (S*), Punctuation (P*) are ID_DIS;
  // everything else (Cf, Co, Cs, Zl, Zp) DISALLOWED.
  return 'refused';
}

/** What a refused character is, in words a user understands (not the RFC's derivation step). */
function describe(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const is = (re: RegExp) => re.test(ch);
  if (is(/^\p{Cs}$/u)) return 'unpaired surrogate';
  if (is(/^\p{Co}$/u)) return 'private-use character';
  if (NONCHARACTER.test(ch)) return 'noncharacter';
  if (UNASSIGNED.test(ch)) return 'unassigned code point';
  if (CONTROL.test(ch)) return 'control character';
  if (is(/^\p{Zs}$/u)) return 'space';
  if (is(/^\p{Zl}$/u)) return 'line separator';
  if (is(/^\p{Zp}$/u)) return 'paragraph separator';
  if (is(/^\p{Cf}$/u) || DEFAULT_IGNORABLE.test(ch)) return 'invisible formatting character';
  if (EXCEPTION_DISALLOWED.has(cp)) return 'elongation, repetition or tone mark';
  if (isConjoiningJamo(cp)) return 'conjoining Hangul jamo';
  if (hasCompat(ch)) {
    const plain = ch.normalize('NFKC');
    return [...plain].every((c) => classify(c) === null) ? `compatibility character; write "${plain}" instead` : 'compatibility character';
  }
  if (is(/^\p{Lt}$/u)) return 'title-case letter';
  if (is(/^\p{N}$/u)) return 'special number form';
  if (is(/^\p{M}$/u)) return 'enclosing mark';
  if (is(/^\p{S}$/u)) return 'symbol';
  if (is(/^\p{P}$/u)) return 'punctuation';
  return 'character outside the identifier repertoire';
}

const hex = (ch: string) => 'U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
// Shown between quotes only when visible on its own: letters, numbers, symbols, punctuation.
const show = (ch: string) => (/^[\p{L}\p{N}\p{S}\p{P}]$/u.test(ch) ? `${hex(ch)} "${ch}"` : hex(ch));
const tooLong = (what: string, max: number) => new InvalidParameter(`${what} must be at most ${max} characters long.`);

/**
 * A code point of the prepared name as the user typed it: a width-mapped character (U+3000
 * ideographic space became U+0020) is named by its original code point, described as what it maps to.
 */
const typedAs = (ch: string, input: string): string =>
  input.includes(ch) ? ch : ([...input].find((c) => IS_WIDE_OR_NARROW.test(c) && widthTarget(c).includes(ch)) ?? ch);

/** The IdentifierClass (with its contextual rules) and the Bidi rule, on NFC code points. */
function enforce(cps: string[], input: string): void {
  for (const [i, ch] of cps.entries()) {
    const verdict = classify(ch);
    if (verdict === 'refused')
      throw new InvalidParameter(`Username contains a character that is not allowed: ${show(typedAs(ch, input))} (${describe(ch)}).`);
    if (verdict === 'context') checkContextO(cps, i, input);
  }
  checkBidi(cps);
}

const isGreek = (ch: string | undefined) => ch !== undefined && /^\p{Script=Greek}$/u.test(ch);
const isHebrew = (ch: string | undefined) => ch !== undefined && /^\p{Script=Hebrew}$/u.test(ch);
const isKanaOrHan = (ch: string) => /^[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]$/u.test(ch);

/**
 * The CONTEXTO rules of RFC 5892 Appendix A.3–A.9, for the exceptions that need them. Literal: the
 * middle dot wants U+006C on both sides, so the case-preserved "L·L" is refused even where the pool
 * is case-insensitive (the RFC's preparation step sees the string before case mapping).
 */
function checkContextO(cps: string[], i: number, input: string): void {
  const ch = cps[i]!;
  const cp = ch.codePointAt(0)!;
  const only = (where: string) => new InvalidParameter(`Username may contain ${show(typedAs(ch, input))} only ${where}.`);
  if (cp === 0x00b7 && !(cps[i - 1] === 'l' && cps[i + 1] === 'l')) throw only('between two "l"s, as in Catalan "l·l"'); // A.3
  if (cp === 0x0375 && !isGreek(cps[i + 1])) throw only('before a Greek letter'); // A.4
  if ((cp === 0x05f3 || cp === 0x05f4) && !isHebrew(cps[i - 1])) throw only('after a Hebrew letter'); // A.5, A.6
  if (cp === 0x30fb && !cps.some(isKanaOrHan)) throw only('with Japanese kana or kanji'); // A.7
  const digits = (test: (cp: number) => boolean) => cps.some((c) => test(c.codePointAt(0)!));
  if ((isArabicIndicDigit(cp) && digits(isExtendedArabicIndicDigit)) || (isExtendedArabicIndicDigit(cp) && digits(isArabicIndicDigit))) // A.8, A.9
    throw new InvalidParameter('Username must not mix Arabic-Indic digits (U+0660–U+0669) and extended Arabic-Indic digits (U+06F0–U+06F9).');
}

// --- Directionality (RFC 8265 directionality rule → RFC 5893 §2) ----------------------------------
//
// V8 has no \p{Bidi_Class}, so a code point's bidi class is approximated from where it is and its
// general category. Unicode allocates right-to-left scripts to these ranges (their default Bidi_Class
// is R or AL); for the characters the IdentifierClass admits, the approximation below matches the
// UCD (checked against Unicode 14) but for the few code points bidiClass notes.
const RTL_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0590, 0x08ff], // Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic supplements
  [0xfb1d, 0xfdff], // Hebrew and Arabic presentation forms (compatibility characters: refused earlier)
  [0xfe70, 0xfefe], // Arabic presentation forms-B (idem)
  [0x10800, 0x10fff], // Cypriot … Old Uyghur, Hanifi Rohingya, Yezidi, Garay …
  [0x1e800, 0x1efff], // Mende Kikakui, Adlam, Siyaq numbers, Arabic mathematical symbols
];
const inRtlRange = (cp: number) => RTL_RANGES.some(([a, b]) => cp >= a && cp <= b);

type Bidi = 'R' | 'AN' | 'EN' | 'L' | 'NSM' | 'ON';

/**
 * Approximate Bidi_Class, good for the characters the IdentifierClass lets through:
 * - R (also standing for AL): anything in an RTL range but marks and Arabic digits — NKo and Adlam
 *   digits are R;
 * - AN: the other decimal digits of the RTL ranges (U+0660–0669, Hanifi Rohingya, Garay);
 * - EN: ASCII digits and U+06F0–06F9 (extended Arabic-Indic digits are EN, not AN);
 * - NSM: non-spacing marks (five Kannada, Zanabazar and Bhaiksuki ones are really L, but they only
 *   follow L letters of their own script);
 * - L: other letters, spacing marks and digits, U+0F0B and U+3007 (25 modifier letters such as
 *   U+02B9 are really ON: counting them as L only makes right-to-left names a little stricter);
 * - ON: the rest — ASCII punctuation and symbols (ON/ES/CS/ET), U+00B7, U+0375, U+30FB — which the
 *   rule lets sit anywhere but at the ends of a right-to-left name.
 */
function bidiClass(ch: string): Bidi {
  const cp = ch.codePointAt(0)!;
  if (NON_SPACING_MARK.test(ch)) return 'NSM';
  if ((cp >= 0x30 && cp <= 0x39) || isExtendedArabicIndicDigit(cp)) return 'EN';
  if (inRtlRange(cp)) return DECIMAL_DIGIT.test(ch) && !RTL_DIGITS_R.test(ch) ? 'AN' : 'R';
  if (LTR.test(ch)) return 'L';
  return 'ON';
}
const NON_SPACING_MARK = /^\p{Mn}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
const RTL_DIGITS_R = /^[\p{Script=Nko}\p{Script=Adlam}]$/u;
const LTR = /^[\p{L}\p{Mc}\p{Nd}\u0F0B\u3007]$/u;

/**
 * RFC 5893 §2 rules 1–4, applied (RFC 8265) when the name has a right-to-left character — an R, AL or
 * AN, as RFC 5893 defines an "RTL label": it must start with an R/AL character (1), hold no L (2),
 * end with R/AL, EN or AN before any trailing marks (3), and not mix EN with AN (4). Left-to-right
 * names need no check: rules 5–6 only refuse R/AL/AN, which they do not have.
 */
function checkBidi(cps: string[]): void {
  const classes = cps.map(bidiClass);
  if (!classes.some((c) => c === 'R' || c === 'AN')) return;
  const l = classes.indexOf('L');
  if (l >= 0) throw new InvalidParameter(`A username must not mix right-to-left and left-to-right letters (${show(cps[l]!)}).`);
  if (classes[0] !== 'R') throw new InvalidParameter('A username with right-to-left characters must begin with a right-to-left letter.');
  const last = classes.findLast((c) => c !== 'NSM');
  if (last !== 'R' && last !== 'EN' && last !== 'AN')
    throw new InvalidParameter('A username with right-to-left characters must end with a right-to-left letter or a digit.');
  if (classes.includes('EN') && classes.includes('AN'))
    throw new InvalidParameter('A username with right-to-left characters must not mix European and Arabic-Indic digits.');
}

// ---------------------------------------------------------------------------------------------------
// Confusables (UTS #39 §4)

/** UTS #39 skeleton: NFD, each code point replaced by its confusables.txt prototype, NFD again. */
const skeleton = (s: string): string => unhomoglyph(s.normalize('NFD')).normalize('NFD');

/**
 * The UTS #39 §4 skeleton of a username: two usernames whose skeletons are equal look alike
 * ('alice', 'ａlice' fullwidth, 'аlice' Cyrillic а; 'm' and 'rn'). Only ever compared for equality
 * (to refuse a sign-up that would impersonate an existing user), never shown nor stored as a name:
 * it is not a readable string (confusables.txt maps 'm' to 'rn', '0' to 'O', 'I' to 'l').
 *
 * Refuses what prepareUsername refuses. In case-insensitive pools the prepared name is lower-cased
 * first, so that names the store treats as one user share a skeleton — at the price of the I/l
 * likeness: 'alIce' is 'alice', 'aIice' is 'aiice'. Some prototypes are capitals ('0' → 'O',
 * 'Ɗ' → "'D") or lower-case into mapped letters ('Γ' → 'γ' → 'y'), so the result is lower-cased and
 * mapped once more — 'b0b' (→ 'bOb' → 'bob') then meets 'bob'. Two rounds reach a fixed point for
 * every prototype of confusables.txt (a third round changes none of them).
 * Case-sensitive pools take the plain skeleton of the prepared name ('Alice' ≠ 'alice').
 */
export function usernameSkeleton(name: string, o: Options): string {
  const prepared = prepareUsername(name, o);
  if (o.caseSensitive) return skeleton(prepared);
  return skeleton(skeleton(prepared.toLowerCase()).toLowerCase());
}

// ---------------------------------------------------------------------------------------------------
// Federation identifiers

// Cc controls, Cf format (bidi overrides, zero-width, BOM), Cs surrogates, Co private use,
// Cn unassigned — noncharacters (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF) are Cn —, Zl and Zp separators.
const NOT_IN_IDENTIFIERS = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/**
 * For identifiers that come from elsewhere — an OIDC `sub`, a SAML NameID, a username an IdP asserts —
 * and are stored or compared as they are, not prepared: refuses the empty string, more than 1024 code
 * points, and control, format, surrogate, private-use, unassigned and noncharacter code points and
 * line/paragraph separators. Spaces are allowed (an X.509 subject DN has them), other Zs too.
 * `what` begins the message: `${what} contains a character that is not allowed (U+000A).`
 */
export function checkIdentifierChars(value: string, what: string): void {
  if (typeof value !== 'string') throw new InvalidParameter(`${what} must be a string.`);
  if (value === '') throw new InvalidParameter(`${what} must not be empty.`);
  let count = 0;
  for (const ch of value) {
    if (++count > MAX_IDENTIFIER) throw tooLong(what, MAX_IDENTIFIER);
    if (NOT_IN_IDENTIFIERS.test(ch)) throw new InvalidParameter(`${what} contains a character that is not allowed (${hex(ch)}).`);
  }
}
