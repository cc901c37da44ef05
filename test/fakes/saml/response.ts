// Builds a SAMLResponse: the genuine one real IdPs send, or one of the attacks. The order of the
// steps is the order of a real IdP (sign the Assertion, encrypt it, sign the Response), and every
// forgery is made the way an attacker would: on the finished message, never re-signed with the
// IdP's key. (An attack that reworks a signed Response keeps the genuine Response Signature, whose
// digest then no longer matches, exactly as a tampered message would.)
import {
  COMMENT_NAME_ID_XML,
  EVIL_NAME_ID,
  NEEDS_ASSERTION_SIGNATURE,
  NEEDS_RESPONSE_SIGNATURE,
  OTHER,
  PLAINTEXT_ATTACKS,
  addXsltTransform,
  evilize,
  plaintextAttack,
  transplantResponseSignature,
  withDoctype,
  wrapResponse,
  type SamlAttack,
} from './attacks.js';
import { BEARER, nameIdFormatFor, responseXml, type AssertionContent, type ResponseContent } from './build.js';
import { encryptAssertions, type DataCipher, type KeyTransport } from './encrypt.js';
import { signElement, type DigestName, type Signer } from './sign.js';
import { NAMEID, STATUS_SUCCESS, escText, newId, parseXml, serialize, withDecl } from './xml.js';

export interface ResponseOptions {
  spEntityId: string;
  acsUrl: string;
  /** Omitted: unsolicited (IdP-initiated), with no InResponseTo anywhere. */
  inResponseTo?: string;
  /** Default: the current user's (setUser). */
  nameId?: string;
  /** Default: emailAddress when the NameID has an @, else unspecified. */
  nameIdFormat?: string;
  /** Default: a fresh one per response. */
  sessionIndex?: string;
  /** Default: the current user's (setUser). */
  attributes?: Record<string, string | string[]>;
  /** Default 'assertion' ('response' for xsw1/xsw2). */
  sign?: 'assertion' | 'response' | 'both' | 'none';
  /** SP encryption certificate PEM: every Assertion becomes an EncryptedAssertion (RSA-OAEP + aes256-gcm). */
  encryptFor?: string;
  encryption?: { keyAlg?: KeyTransport; dataAlg?: DataCipher };
  /** Signature and digest algorithms: RSA-SHA256/SHA-256 (default) or RSA-SHA1/SHA-1. */
  digest?: DigestName;
  /** Shifts IssueInstant (Response and Assertion) and AuthnInstant only; validity windows stay around now. */
  issueInstantShiftMs?: number;
  attack?: SamlAttack;
}

export interface ResponseContext {
  idpEntityId: string;
  now: number;
  /** The IdP's current signing key. */
  signer: Signer;
  attacker: Signer;
  user: { nameId: string; attributes: Record<string, string | string[]> };
  /** The fake's base URL, for payloads that call home (XXE, XSLT). */
  callbackBase: string;
}

const MINUTE = 60_000;
const RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
const SENDER_VOUCHES = 'urn:oasis:names:tc:SAML:2.0:cm:sender-vouches';

type SignMode = NonNullable<ResponseOptions['sign']>;

/** The sign mode an attack implies, or an error for a combination that cannot be forged. */
function signMode(o: ResponseOptions): SignMode {
  const attack = o.attack;
  if (attack === 'encrypted-unsigned') {
    if (!o.encryptFor) throw new Error("attack 'encrypted-unsigned' needs encryptFor");
    return 'none';
  }
  const sign = o.sign ?? (attack && NEEDS_RESPONSE_SIGNATURE.includes(attack) ? 'response' : 'assertion');
  const assertionSigned = sign === 'assertion' || sign === 'both';
  const responseSigned = sign === 'response' || sign === 'both';
  if (attack && NEEDS_RESPONSE_SIGNATURE.includes(attack) && !responseSigned) throw new Error(`attack '${attack}' needs sign 'response' or 'both'`);
  if (attack && NEEDS_ASSERTION_SIGNATURE.includes(attack) && !assertionSigned) throw new Error(`attack '${attack}' needs sign 'assertion' or 'both'`);
  if ((attack === 'tampered-after-signing' || attack === 'xslt-transform' || attack === 'attacker-signed') && sign === 'none') {
    throw new Error(`attack '${attack}' needs something signed`);
  }
  return sign;
}

function content(ctx: ResponseContext, o: ResponseOptions): ResponseContent {
  const attack = o.attack;
  const now = ctx.now;
  const shift = o.issueInstantShiftMs ?? 0;
  let issued = now + shift;
  let notBefore = now;
  let notOnOrAfter = now + 5 * MINUTE;
  if (attack === 'expired') {
    issued = now - 15 * MINUTE + shift;
    notBefore = now - 15 * MINUTE;
    notOnOrAfter = now - 10 * MINUTE;
  } else if (attack === 'not-yet-valid') {
    notBefore = now + 10 * MINUTE;
    notOnOrAfter = now + 15 * MINUTE;
  }

  const nameId = o.nameId ?? ctx.user.nameId;
  const attributes = Object.entries(o.attributes ?? ctx.user.attributes).map(
    ([k, v]): [string, string[]] => [k, (Array.isArray(v) ? v : [v]).map(escText)],
  );
  let nameIdXml = escText(nameId);
  let nameIdFormat = o.nameIdFormat ?? nameIdFormatFor(nameId);
  if (attack === 'comment-in-nameid') {
    nameIdXml = COMMENT_NAME_ID_XML;
    nameIdFormat = NAMEID.email;
    const email = attributes.find(([k]) => k === 'email');
    if (email) email[1] = [COMMENT_NAME_ID_XML];
    else attributes.push(['email', [COMMENT_NAME_ID_XML]]);
  }
  const sessionIndex = o.sessionIndex ?? newId('_session');

  const assertion = (id: string, nameXml: string, attrs: [string, string[]][]): AssertionContent => ({
    id,
    issuer: attack === 'wrong-assertion-issuer' ? OTHER.idpEntityId : ctx.idpEntityId,
    issueInstant: issued,
    nameIdXml: nameXml,
    nameIdFormat,
    confirmationMethod: attack === 'no-bearer' ? SENDER_VOUCHES : BEARER,
    recipient: attack === 'wrong-recipient' ? OTHER.acsUrl : o.acsUrl,
    confirmationNotOnOrAfter: notOnOrAfter,
    confirmationInResponseTo: attack === 'in-response-to-mismatch' ? newId() : o.inResponseTo,
    conditions:
      attack === 'no-conditions'
        ? null
        : { notBefore, notOnOrAfter, audience: attack === 'wrong-audience' ? OTHER.spEntityId : o.spEntityId },
    authn: attack === 'no-authnstatement' ? null : { instant: issued, sessionIndex, sessionNotOnOrAfter: now + 8 * 60 * MINUTE },
    attributes: attrs,
  });

  const assertions = [assertion(newId(), nameIdXml, attributes)];
  if (attack === 'two-assertions') {
    // A second, equally genuine assertion for someone else: an SP that takes either is wrong.
    const evilAttrs = attributes.map(([k, vs]): [string, string[]] => [k, vs.map((v) => (v === nameIdXml ? EVIL_NAME_ID : v))]);
    assertions.push(assertion(newId(), EVIL_NAME_ID, evilAttrs));
  }
  return {
    id: newId(),
    issuer: attack === 'wrong-issuer' ? OTHER.idpEntityId : ctx.idpEntityId,
    issueInstant: issued,
    destination: attack === 'wrong-destination' ? OTHER.acsUrl : o.acsUrl,
    inResponseTo: o.inResponseTo,
    status: attack === 'status-responder' ? { code: RESPONDER, message: 'The identity provider could not sign the user in.' } : { code: STATUS_SUCCESS },
    assertions,
  };
}

/** The Response as XML text (with its XML declaration). */
export function buildResponse(ctx: ResponseContext, o: ResponseOptions): string {
  const attack = o.attack;
  const sign = signMode(o);
  const signAssertion = sign === 'assertion' || sign === 'both';
  const signResponse = (sign === 'response' || sign === 'both') && attack !== 'stripped-signature';
  const digest = o.digest ?? 'sha256';
  const signer = attack === 'attacker-signed' ? ctx.attacker : ctx.signer;
  const c = content(ctx, o);

  // 1. The genuine plaintext, Assertions signed.
  let genuine = responseXml(c);
  if (signAssertion) for (const a of c.assertions) genuine = signElement(genuine, a.id, signer, digest);

  // 2. Attacks on the Assertion, made before encryption (an attacker holding a signed Assertion can
  //    encrypt whatever they like: the SP's encryption certificate is public).
  let attacked = genuine;
  if (attack && PLAINTEXT_ATTACKS.includes(attack)) {
    attacked = plaintextAttack(attack, genuine, { signer: ctx.attacker, digest, callbackBase: ctx.callbackBase });
  } else if (attack === 'xslt-transform' && signAssertion) {
    attacked = addXsltTransform(genuine, 'assertion', ctx.callbackBase);
  }

  // 3. Encryption, then the Response signature. A reworked message gets the Signature computed over
  //    the genuine one: what an attacker who edited a signed Response is left with.
  const encrypt = (xml: string): string => (o.encryptFor ? encryptAssertions(xml, o.encryptFor, o.encryption) : xml);
  let out = encrypt(attacked);
  if (signResponse) {
    out = attacked === genuine ? signElement(out, c.id, signer, digest) : transplantResponseSignature(signElement(encrypt(genuine), c.id, signer, digest), out);
  }

  // 4. Attacks on the whole message.
  if (attack === 'xsw1' || attack === 'xsw2') {
    const doc = parseXml(genuine);
    evilize(doc.documentElement!);
    out = wrapResponse(attack, out, encrypt(serialize(doc)));
  } else if (attack === 'xslt-transform' && !signAssertion) {
    out = addXsltTransform(out, 'response', ctx.callbackBase);
  }
  out = withDecl(out);
  if (attack === 'dtd-external-entity' || attack === 'billion-laughs') out = withDoctype(attack, out, ctx.callbackBase);
  return out;
}
