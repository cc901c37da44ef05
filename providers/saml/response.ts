// The heart of the ACS: a posted SAMLResponse is accepted only when every check of docs/security.md,
// "SAML responses", passes. Order: size, decoding, lexical refusals (DTD, entities, PIs, XSLT, several
// roots) before any parser; strict parse; structure (one Assertion or EncryptedAssertion, a direct
// child of the Response, no duplicate IDs, signatures only where they belong) and algorithms; our own
// signature verification and decryption, which tell us which bytes are signed; node-saml's
// validation; then the checks node-saml 5.1.0 leaves out (Destination, Recipient, the Response's
// Issuer; docs/security.md, "SAML responses"), read only from signed content. Replay memory (assertion
// ids) is the caller's, from the result's assertionId and notOnOrAfter.

import { X509Certificate } from 'node:crypto';
import { SAML, ValidateInResponseTo, type CacheItem, type CacheProvider, type Profile } from '@node-saml/node-saml';
import { decryptAssertion, readEncryptedAssertion } from './response-decrypt.js';
import { checkSignaturePlacement, signatureOf, verifiedCopy } from './response-signature.js';
import {
  NS, attr, byLocalName, childElements, children, decodeSamlResponse, hasAttributeAnywhere, isEl, lexicalCheck, onlyChild,
  parseStrict, refuse, refuseDuplicateIds, timeAttr, wholeText,
} from './response-xml.js';
import { SamlError, type IdpMetadata, type SamlAssertion, type SpConfig } from './types.js';

export interface ValidateOptions {
  sp: SpConfig; // entityId, acsUrl, encryption keys (current first, previous still accepted)
  idp: IdpMetadata; // entityId and every signing cert (rollover: any may sign)
  /** The AuthnRequest ID this browser's flow expects (SP-initiated), or null for an unsolicited (IdP-initiated) Response. */
  expectedRequestId: string | null;
  allowSha1?: boolean; // default false
  requireEncryptedAssertion?: boolean; // EncryptedResponses: the IdP must encrypt
  maxIssueAgeMs?: number; // unsolicited responses: issued within the last 6 minutes (default 6 min when expectedRequestId is null)
  clockSkewMs?: number; // default 60_000; never disables time checks
  now: number;
}

export const DEFAULT_CLOCK_SKEW_MS = 60_000;
/** Cognito: an IdP-initiated assertion must have been issued within the previous 6 minutes. */
export const DEFAULT_UNSOLICITED_MAX_AGE_MS = 6 * 60_000;
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';

interface Settings {
  skew: number;
  maxIssueAgeMs: number | null;
  certs: string[];
  allowSha1: boolean;
}

function config(message: string): never {
  throw new SamlError('config', message);
}

/** Our side of the contract: settings that are wrong are a 'config' error, never a hostile-input one. */
function settings(o: ValidateOptions): Settings {
  if (!o || !o.sp || !o.idp) config('validateSamlResponse needs sp and idp');
  if (typeof o.sp.entityId !== 'string' || !o.sp.entityId) config('SP entity ID missing');
  if (typeof o.sp.acsUrl !== 'string' || !o.sp.acsUrl) config('SP ACS URL missing');
  if (typeof o.idp.entityId !== 'string' || !o.idp.entityId) config('IdP entity ID missing');
  if (!Number.isFinite(o.now)) config('now must be a time in ms');
  if (o.expectedRequestId !== null && (typeof o.expectedRequestId !== 'string' || !o.expectedRequestId)) config('expectedRequestId must be a request ID or null');
  const skew = o.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  // node-saml reads -1 as "skip every time check": never pass anything like it through.
  if (!Number.isFinite(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_MS) config('clockSkewMs must be between 0 and 5 minutes');
  const maxIssueAgeMs = o.maxIssueAgeMs ?? (o.expectedRequestId === null ? DEFAULT_UNSOLICITED_MAX_AGE_MS : null);
  if (maxIssueAgeMs !== null && (!Number.isFinite(maxIssueAgeMs) || maxIssueAgeMs <= 0)) config('maxIssueAgeMs must be positive');
  if (!Array.isArray(o.idp.signingCerts) || o.idp.signingCerts.length === 0) config('the IdP has no signing certificate');
  const certs = o.idp.signingCerts.filter((pem) => {
    try {
      const cert = new X509Certificate(pem);
      return Date.parse(cert.validFrom) <= o.now && o.now <= Date.parse(cert.validTo);
    } catch {
      return false;
    }
  });
  if (certs.length === 0) config('no IdP signing certificate is usable (unparseable or outside its validity)');
  if (!Array.isArray(o.sp.encryption)) config('SP encryption keys must be a list');
  return { skew, maxIssueAgeMs, certs, allowSha1: o.allowSha1 === true };
}

/** node-saml's request-ID cache, holding exactly the one ID this flow expects: any other InResponseTo is unknown. */
class ExpectedRequestCache implements CacheProvider {
  #id: string | null;
  readonly #createdAt = new Date().toISOString(); // node-saml compares it with its own clock

  constructor(id: string | null) {
    this.#id = id;
  }
  async saveAsync(_key: string, _value: string): Promise<CacheItem | null> {
    return null; // validation never issues requests
  }
  async getAsync(key: string): Promise<string | null> {
    return this.#id !== null && key === this.#id ? this.#createdAt : null;
  }
  async removeAsync(key: string | null): Promise<string | null> {
    if (this.#id === null || key !== this.#id) return null;
    this.#id = null;
    return this.#createdAt;
  }
}

/** node-saml's messages carry user data (audiences, issuers): keep only a fixed reason. */
function nodeSamlReason(e: unknown): string {
  const m = e instanceof Error ? e.message : '';
  if (e instanceof Error && e.name === 'SamlStatusError') return 'status not success';
  if (/InResponseTo/i.test(m)) return 'InResponseTo not valid';
  if (/decrypt|EncryptedAssertion|encrypted/i.test(m)) return 'decryption failed';
  if (/signature/i.test(m)) return 'signature not valid';
  if (/expired|not yet valid|too old/i.test(m)) return 'outside validity window';
  if (/audience/i.test(m)) return 'audience mismatch';
  if (/subject confirmation/i.test(m)) return 'no valid subject confirmation';
  if (/multiple/i.test(m)) return 'more than one assertion or condition';
  if (/Missing SAML assertion/i.test(m)) return 'no assertion';
  return 'refused by the SAML validator';
}

function checkIssuer(parent: Element, entityId: string, what: 'Response' | 'Assertion'): string {
  const issuers = children(parent, NS.saml, 'Issuer');
  if (issuers.length !== 1) refuse(`${what} Issuer missing or repeated`);
  const issuer = issuers[0] as Element;
  const format = attr(issuer, 'Format');
  if (format !== null && format !== ENTITY_FORMAT) refuse(`${what} Issuer format`);
  const value = wholeText(issuer);
  if (value !== entityId) refuse(`${what} Issuer mismatch`);
  return value;
}

function checkIssueInstant(el: Element, o: ValidateOptions, s: Settings, what: 'Response' | 'Assertion'): void {
  const issued = timeAttr(el, 'IssueInstant');
  if (issued === null) refuse(`${what} IssueInstant missing`);
  if (issued - o.now > s.skew) refuse(`${what} issued in the future`);
  if (s.maxIssueAgeMs !== null && o.now - issued > s.maxIssueAgeMs) refuse(`${what} issued too long ago`);
}

function isNil(el: Element): boolean {
  const v = el.getAttributeNS(NS.xsi, 'nil');
  return v === 'true' || v === '1';
}

function readAttributes(assertion: Element): Record<string, string[]> {
  const out = new Map<string, string[]>();
  for (const statement of children(assertion, NS.saml, 'AttributeStatement')) {
    for (const el of childElements(statement)) {
      if (isEl(el, NS.saml, 'EncryptedAttribute')) refuse('encrypted attributes are not supported');
      if (!isEl(el, NS.saml, 'Attribute')) refuse('attribute statement structure');
      const name = attr(el, 'Name');
      if (!name) refuse('attribute without a Name');
      // Never let a second copy of a name (e.g. email) win or merge silently.
      if (out.has(name)) refuse('duplicate attribute');
      out.set(name, children(el, NS.saml, 'AttributeValue').filter((v) => !isNil(v)).map(wholeText));
    }
  }
  return Object.fromEntries(out); // own data properties, even for a name like __proto__
}

interface Confirmation {
  notOnOrAfter: number;
}

/** Why this bearer SubjectConfirmation cannot be used, or null when it can. */
function bearerProblem(sc: Element, o: ValidateOptions, s: Settings, inResponseTo: string | null): string | Confirmation {
  const data = children(sc, NS.saml, 'SubjectConfirmationData');
  if (data.length !== 1) return 'SubjectConfirmationData missing or repeated';
  const scd = data[0] as Element;
  const recipient = attr(scd, 'Recipient');
  if (!recipient) return 'Recipient missing';
  if (recipient !== o.sp.acsUrl) return 'Recipient mismatch';
  const notOnOrAfter = timeAttr(scd, 'NotOnOrAfter');
  if (notOnOrAfter === null) return 'SubjectConfirmationData NotOnOrAfter missing';
  if (o.now - s.skew >= notOnOrAfter) return 'subject confirmation expired';
  const notBefore = timeAttr(scd, 'NotBefore');
  if (notBefore !== null && o.now + s.skew < notBefore) return 'subject confirmation not yet valid';
  const scdInResponseTo = attr(scd, 'InResponseTo');
  if (inResponseTo === null) {
    if (scdInResponseTo !== null) return 'unsolicited response carries InResponseTo';
  } else if (scdInResponseTo !== inResponseTo) {
    return 'SubjectConfirmationData InResponseTo mismatch';
  }
  return { notOnOrAfter };
}

/** Everything read from the signed assertion; refuses on the first failed check. */
function readAssertion(av: Element, o: ValidateOptions, s: Settings, inResponseTo: string | null): SamlAssertion {
  if (attr(av, 'Version') !== '2.0') refuse('Assertion version');
  const assertionId = attr(av, 'ID');
  if (!assertionId) refuse('Assertion ID missing');
  checkIssueInstant(av, o, s, 'Assertion');
  const issuer = checkIssuer(av, o.idp.entityId, 'Assertion');

  const subject = onlyChild(av, NS.saml, 'Subject', 'Subject missing or repeated');
  if (children(subject, NS.saml, 'EncryptedID').length > 0 || children(subject, NS.saml, 'BaseID').length > 0) refuse('only a plain NameID is accepted');
  const nameIdEl = onlyChild(subject, NS.saml, 'NameID', 'NameID missing or repeated');
  const nameId = wholeText(nameIdEl);
  if (nameId.trim() === '') refuse('empty NameID');
  const spNameQualifier = attr(nameIdEl, 'SPNameQualifier');
  if (spNameQualifier !== null && spNameQualifier !== o.sp.entityId) refuse('NameID SPNameQualifier mismatch');

  const bearers = children(subject, NS.saml, 'SubjectConfirmation').filter((sc) => attr(sc, 'Method') === BEARER);
  if (bearers.length === 0) refuse('no bearer SubjectConfirmation');
  let confirmation: Confirmation | null = null;
  let firstProblem: string | null = null;
  for (const sc of bearers) {
    const r = bearerProblem(sc, o, s, inResponseTo);
    if (typeof r !== 'string') {
      confirmation = r;
      break;
    }
    firstProblem ??= r;
  }
  if (!confirmation) refuse(firstProblem ?? 'no valid bearer SubjectConfirmation');

  const conditions = onlyChild(av, NS.saml, 'Conditions', 'Conditions missing or repeated');
  const notBefore = timeAttr(conditions, 'NotBefore');
  if (notBefore !== null && o.now + s.skew < notBefore) refuse('assertion not yet valid');
  const conditionsNotOnOrAfter = timeAttr(conditions, 'NotOnOrAfter');
  if (conditionsNotOnOrAfter !== null && o.now - s.skew >= conditionsNotOnOrAfter) refuse('assertion expired');
  const restrictions = children(conditions, NS.saml, 'AudienceRestriction');
  if (restrictions.length === 0) refuse('AudienceRestriction missing');
  for (const r of restrictions) {
    // Each restriction must be satisfied on its own (SAML core §2.5.1.4).
    if (!children(r, NS.saml, 'Audience').some((a) => wholeText(a) === o.sp.entityId)) refuse('audience mismatch');
  }

  const authn = children(av, NS.saml, 'AuthnStatement');
  if (authn.length === 0) refuse('AuthnStatement missing');
  for (const st of authn) {
    const sessionEnd = timeAttr(st, 'SessionNotOnOrAfter');
    if (sessionEnd !== null && o.now - s.skew >= sessionEnd) refuse('IdP session expired');
  }
  const sessionIndex = attr(authn[0] as Element, 'SessionIndex');

  return {
    issuer,
    nameId,
    nameIdFormat: attr(nameIdEl, 'Format'),
    sessionIndex,
    assertionId,
    notOnOrAfter: Math.min(confirmation.notOnOrAfter, conditionsNotOnOrAfter ?? Number.POSITIVE_INFINITY),
    inResponseTo,
    attributes: readAttributes(av),
  };
}

/** Status, version, Destination, Issuer and InResponseTo of the Response (its signed copy when signed). */
function checkResponse(rv: Element, o: ValidateOptions, s: Settings): string | null {
  const status = onlyChild(rv, NS.samlp, 'Status', 'Status missing');
  const code = onlyChild(status, NS.samlp, 'StatusCode', 'StatusCode missing');
  if (attr(code, 'Value') !== SUCCESS) refuse('status not success');
  if (attr(rv, 'Version') !== '2.0') refuse('Response version');
  if (!attr(rv, 'ID')) refuse('Response ID missing');
  checkIssueInstant(rv, o, s, 'Response');
  const destination = attr(rv, 'Destination');
  if (!destination) refuse('Destination missing');
  if (destination !== o.sp.acsUrl) refuse('Destination mismatch');
  checkIssuer(rv, o.idp.entityId, 'Response');
  const inResponseTo = attr(rv, 'InResponseTo');
  if (o.expectedRequestId === null) {
    if (inResponseTo !== null) refuse('unsolicited response carries InResponseTo');
  } else {
    if (inResponseTo === null) refuse('InResponseTo missing');
    if (inResponseTo !== o.expectedRequestId) refuse('InResponseTo mismatch');
  }
  return inResponseTo;
}

/**
 * Validates a posted SAMLResponse (base64, HTTP-POST binding) and returns what its signed assertion
 * says. Throws SamlError('invalid', reason) for any failure — hostile input never produces another
 * error type — and SamlError('config', …) only for our own settings.
 */
export async function validateSamlResponse(samlResponseBase64: string, o: ValidateOptions): Promise<SamlAssertion> {
  const s = settings(o);
  try {
    return await validate(samlResponseBase64, o, s);
  } catch (e) {
    if (e instanceof SamlError) throw e;
    throw new SamlError('invalid', 'malformed response');
  }
}

async function validate(samlResponseBase64: string, o: ValidateOptions, s: Settings): Promise<SamlAssertion> {
  // 1. Bytes and text, refused before any parser sees them.
  const xml = decodeSamlResponse(samlResponseBase64);
  lexicalCheck(xml);
  const root = parseStrict(xml).documentElement;
  if (!isEl(root, NS.samlp, 'Response')) refuse('not a SAML Response');

  // 2. Structure of the posted document: one assertion, where it belongs; unique IDs; signatures in place.
  refuseDuplicateIds(root);
  const status = children(root, NS.samlp, 'Status')[0];
  const code = status ? children(status, NS.samlp, 'StatusCode')[0] : undefined;
  if (!code || attr(code, 'Value') !== SUCCESS) refuse('status not success');
  // local-name() counting, as node-saml's XPath does: an Assertion in a made-up namespace still counts.
  const plain = byLocalName(root, 'Assertion');
  const encrypted = byLocalName(root, 'EncryptedAssertion');
  if (plain.length + encrypted.length === 0) refuse('no assertion');
  if (plain.length + encrypted.length > 1) refuse('more than one assertion');
  const posted = (plain[0] ?? encrypted[0]) as Element;
  if (posted.parentNode !== root || posted.namespaceURI !== NS.saml) refuse('assertion in an unexpected place');
  const plainAssertion = plain[0] ?? null;
  if (o.requireEncryptedAssertion && plainAssertion) refuse('assertion must be encrypted');
  checkSignaturePlacement(root, plainAssertion ? [root, plainAssertion] : [root], s.allowSha1);
  const responseHasSignature = signatureOf(root) !== null;
  if (o.expectedRequestId === null && hasAttributeAnywhere(root, 'InResponseTo')) refuse('unsolicited response carries InResponseTo');

  // 3. Signatures (ours, through xml-crypto): from here on we read only the signed copies.
  const responseView = verifiedCopy(xml, root, s.certs, { ns: NS.samlp, localName: 'Response' });
  if (responseView) {
    const inView = [...byLocalName(responseView, 'Assertion'), ...byLocalName(responseView, 'EncryptedAssertion')];
    if (inView.length !== 1 || inView[0]?.parentNode !== responseView) refuse('more than one assertion');
  }
  let assertionView: Element;
  let assertionHasSignature: boolean;
  let decryptionKey: string | undefined;
  if (plainAssertion) {
    const signed = verifiedCopy(xml, plainAssertion, s.certs, { ns: NS.saml, localName: 'Assertion' });
    assertionHasSignature = signed !== null;
    if (signed) assertionView = signed;
    else if (responseView) assertionView = onlyChild(responseView, NS.saml, 'Assertion', 'more than one assertion');
    else refuse('assertion not signed');
  } else {
    // Decrypt what the signature covers when the Response is signed, else what was posted.
    const enc = responseView ? onlyChild(responseView, NS.saml, 'EncryptedAssertion', 'more than one assertion') : posted;
    const decrypted = await decryptAssertion(readEncryptedAssertion(enc), o.sp.encryption);
    decryptionKey = o.sp.encryption[decrypted.keyIndex]?.privateKey;
    const inner = decrypted.assertion;
    refuseDuplicateIds(inner);
    if (byLocalName(inner, 'Assertion').length !== 1 || byLocalName(inner, 'EncryptedAssertion').length !== 0) refuse('assertion inside the assertion');
    checkSignaturePlacement(inner, [inner], s.allowSha1);
    if (o.expectedRequestId === null && hasAttributeAnywhere(inner, 'InResponseTo')) refuse('unsolicited response carries InResponseTo');
    const signed = verifiedCopy(decrypted.xml, inner, s.certs, { ns: NS.saml, localName: 'Assertion' });
    assertionHasSignature = signed !== null;
    if (signed) assertionView = signed;
    // Anyone holding our encryption certificate can mint an encrypted assertion: it needs a signature.
    else if (responseView) assertionView = inner;
    else refuse('encrypted assertion not signed');
  }

  // 4. What node-saml does not check (docs/security.md, "SAML responses"), on the signed copies only.
  // These run before node-saml so that a refusal names the precise check; node-saml must accept as
  // well (the accepted set is the intersection, whatever the order).
  const inResponseTo = checkResponse(responseView ?? root, o, s);
  if (o.expectedRequestId === null && hasAttributeAnywhere(assertionView, 'InResponseTo')) refuse('unsolicited response carries InResponseTo');
  const facts = readAssertion(assertionView, o, s, inResponseTo);

  // 5. node-saml, configured as strictly as it goes, as a second and independent validator. Either
  // the Response or the assertion may be signed, and every signature present must verify:
  // wantAuthnResponseSigned when the Response carries one; wantAssertionsSigned when the assertion
  // does, or when the Response is unsigned. (A constant wantAssertionsSigned: true would refuse every
  // Response-only-signed message: node-saml 5.1.0 then demands an assertion signature, saml.js ~L536.)
  // node-saml reads the wall clock, not o.now: its time checks are against Date.now().
  const saml = new SAML({
    idpCert: s.certs,
    idpIssuer: o.idp.entityId,
    audience: o.sp.entityId,
    issuer: o.sp.entityId,
    callbackUrl: o.sp.acsUrl,
    wantAuthnResponseSigned: responseHasSignature,
    wantAssertionsSigned: assertionHasSignature || !responseHasSignature,
    acceptedClockSkewMs: s.skew,
    validateInResponseTo: o.expectedRequestId ? ValidateInResponseTo.always : ValidateInResponseTo.never,
    cacheProvider: new ExpectedRequestCache(o.expectedRequestId),
    ...(decryptionKey ? { decryptionPvk: decryptionKey } : {}),
    signatureAlgorithm: 'sha256',
    disableRequestedAuthnContext: true,
  });
  let profile: Profile | null;
  try {
    const result = await saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') });
    if (result.loggedOut || !result.profile) refuse('not an authentication response');
    profile = result.profile;
  } catch (e) {
    if (e instanceof SamlError) throw e;
    refuse(nodeSamlReason(e));
  }

  // Two parsers read the same signed bytes (xmldom here, xml2js in node-saml): they must agree.
  if (profile.nameID !== facts.nameId || profile.issuer !== facts.issuer) refuse('parser differential');
  if ((profile.sessionIndex ?? null) !== facts.sessionIndex) refuse('parser differential');
  if ((profile.nameIDFormat ?? null) !== facts.nameIdFormat) refuse('parser differential');
  return facts;
}
