// The genuine messages, as text: a Response with its Assertion(s), the logout messages and the IdP
// metadata. Everything an attack changes in *content* (times, audience, issuers…) is a field here,
// so such responses are still signed properly; structural attacks live in attacks.ts.
import { NAMEID, NS, STATUS_SUCCESS, escAttr, escText, iso } from './xml.js';

export const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

export interface AssertionContent {
  id: string;
  issuer: string;
  issueInstant: number;
  /** NameID content as XML (escaped text, or a crafted mix of text and comments). */
  nameIdXml: string;
  nameIdFormat: string;
  confirmationMethod: string;
  recipient: string;
  confirmationNotOnOrAfter: number;
  confirmationInResponseTo?: string | undefined;
  conditions: { notBefore: number; notOnOrAfter: number; audience: string } | null;
  authn: { instant: number; sessionIndex: string; sessionNotOnOrAfter: number } | null;
  /** Attribute name → values as XML content. */
  attributes: [string, string[]][];
}

export interface ResponseContent {
  id: string;
  issuer: string;
  issueInstant: number;
  destination: string;
  inResponseTo?: string | undefined;
  status: { code: string; message?: string };
  assertions: AssertionContent[];
}

const issuerXml = (entityId: string): string => `<saml:Issuer Format="${NAMEID.entity}">${escText(entityId)}</saml:Issuer>`;

export function nameIdFormatFor(nameId: string): string {
  return nameId.includes('@') ? NAMEID.email : NAMEID.unspecified;
}

export function assertionXml(a: AssertionContent): string {
  const irt = a.confirmationInResponseTo === undefined ? '' : ` InResponseTo="${escAttr(a.confirmationInResponseTo)}"`;
  const subject =
    `<saml:Subject><saml:NameID Format="${escAttr(a.nameIdFormat)}">${a.nameIdXml}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="${escAttr(a.confirmationMethod)}">` +
    `<saml:SubjectConfirmationData NotOnOrAfter="${iso(a.confirmationNotOnOrAfter)}" Recipient="${escAttr(a.recipient)}"${irt}/>` +
    `</saml:SubjectConfirmation></saml:Subject>`;
  const conditions = a.conditions
    ? `<saml:Conditions NotBefore="${iso(a.conditions.notBefore)}" NotOnOrAfter="${iso(a.conditions.notOnOrAfter)}">` +
      `<saml:AudienceRestriction><saml:Audience>${escText(a.conditions.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
    : '';
  const authn = a.authn
    ? `<saml:AuthnStatement AuthnInstant="${iso(a.authn.instant)}" SessionIndex="${escAttr(a.authn.sessionIndex)}" SessionNotOnOrAfter="${iso(a.authn.sessionNotOnOrAfter)}">` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>${PASSWORD}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`
    : '';
  // URIs as names get the uri NameFormat, plain names basic, as ADFS and Okta do.
  const attrs = a.attributes.length
    ? '<saml:AttributeStatement>' +
      a.attributes
        .map(
          ([name, values]) =>
            `<saml:Attribute Name="${escAttr(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:${name.includes(':') ? 'uri' : 'basic'}">` +
            values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${v}</saml:AttributeValue>`).join('') +
            '</saml:Attribute>',
        )
        .join('') +
      '</saml:AttributeStatement>'
    : '';
  // The Assertion declares its own namespaces so it stays whole when signed, cut out or encrypted.
  return (
    `<saml:Assertion xmlns:saml="${NS.saml}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" ID="${a.id}" Version="2.0" IssueInstant="${iso(a.issueInstant)}">` +
    issuerXml(a.issuer) + subject + conditions + authn + attrs + '</saml:Assertion>'
  );
}

export function responseXml(r: ResponseContent): string {
  const irt = r.inResponseTo === undefined ? '' : ` InResponseTo="${escAttr(r.inResponseTo)}"`;
  const message = r.status.message ? `<samlp:StatusMessage>${escText(r.status.message)}</samlp:StatusMessage>` : '';
  return (
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${r.id}" Version="2.0" IssueInstant="${iso(r.issueInstant)}" Destination="${escAttr(r.destination)}"${irt}>` +
    issuerXml(r.issuer) +
    `<samlp:Status><samlp:StatusCode Value="${escAttr(r.status.code)}"/>${message}</samlp:Status>` +
    r.assertions.map(assertionXml).join('') +
    '</samlp:Response>'
  );
}

export interface LogoutRequestContent {
  id: string;
  issuer: string;
  issueInstant: number;
  destination: string;
  notOnOrAfter: number;
  nameId: string;
  nameIdFormat: string;
  sessionIndex?: string | undefined;
}

export function logoutRequestXml(l: LogoutRequestContent): string {
  const session = l.sessionIndex === undefined ? '' : `<samlp:SessionIndex>${escText(l.sessionIndex)}</samlp:SessionIndex>`;
  return (
    `<samlp:LogoutRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${l.id}" Version="2.0" IssueInstant="${iso(l.issueInstant)}" Destination="${escAttr(l.destination)}" NotOnOrAfter="${iso(l.notOnOrAfter)}">` +
    issuerXml(l.issuer) +
    `<saml:NameID Format="${escAttr(l.nameIdFormat)}">${escText(l.nameId)}</saml:NameID>` +
    session +
    '</samlp:LogoutRequest>'
  );
}

export function logoutResponseXml(l: { id: string; issuer: string; issueInstant: number; destination: string; inResponseTo: string }): string {
  return (
    `<samlp:LogoutResponse xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${l.id}" Version="2.0" IssueInstant="${iso(l.issueInstant)}" Destination="${escAttr(l.destination)}" InResponseTo="${escAttr(l.inResponseTo)}">` +
    issuerXml(l.issuer) +
    `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status></samlp:LogoutResponse>`
  );
}

export interface MetadataContent {
  entityId: string;
  /** Base64 DER of each signing certificate, in order. */
  signingCerts: string[];
  ssoUrl: string | null;
  sloUrl: string;
  wantAuthnRequestsSigned: boolean;
}

export function metadataXml(m: MetadataContent): string {
  // Element order follows the schema: KeyDescriptor*, SingleLogoutService*, NameIDFormat*, SingleSignOnService+.
  const keys = m.signingCerts
    .map(
      (c) =>
        `    <md:KeyDescriptor use="signing">\n      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n    </md:KeyDescriptor>\n`,
    )
    .join('');
  const formats = [NAMEID.email, NAMEID.persistent, NAMEID.unspecified].map((f) => `    <md:NameIDFormat>${f}</md:NameIDFormat>\n`).join('');
  const sso = m.ssoUrl ? `    <md:SingleSignOnService Binding="${REDIRECT}" Location="${escAttr(m.ssoUrl)}"/>\n` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="${escAttr(m.entityId)}">\n` +
    `  <md:IDPSSODescriptor WantAuthnRequestsSigned="${m.wantAuthnRequestsSigned}" protocolSupportEnumeration="${NS.samlp}">\n` +
    keys +
    `    <md:SingleLogoutService Binding="${REDIRECT}" Location="${escAttr(m.sloUrl)}"/>\n` +
    formats +
    sso +
    '  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n'
  );
}
