// A pool's SP metadata (ISS/saml2/metadata): entity id, signing and encryption certificates, the
// single logout endpoint (HTTP-Redirect) and the Assertion Consumer Service (HTTP-POST).
import type { SpConfig } from './types.js';
import { BINDING, NS, SAML2_PROTOCOL, certBase64, escapeXml } from './xml.js';

const NAME_ID_FORMATS = [
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
];

/** What we decrypt (AES-GCM content, RSA-OAEP key transport), best first; never RSA 1.5 or 3DES. */
const ENCRYPTION_METHODS = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
];

export function spMetadataXml(sp: SpConfig): string {
  const a = escapeXml;
  const keyInfo = (pem: string) =>
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${a(certBase64(pem))}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<EntityDescriptor xmlns="${NS.md}" xmlns:ds="${NS.ds}" entityID="${a(sp.entityId)}">`,
    `  <SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="${SAML2_PROTOCOL}">`,
    `    <KeyDescriptor use="signing">${keyInfo(sp.signing.certificate)}</KeyDescriptor>`,
    ...sp.encryption.map(
      (pair) =>
        `    <KeyDescriptor use="encryption">${keyInfo(pair.certificate)}${ENCRYPTION_METHODS.map((m) => `<EncryptionMethod Algorithm="${m}"/>`).join('')}</KeyDescriptor>`,
    ),
    `    <SingleLogoutService Binding="${BINDING.redirect}" Location="${a(sp.sloUrl)}"/>`,
    ...NAME_ID_FORMATS.map((f) => `    <NameIDFormat>${f}</NameIDFormat>`),
    `    <AssertionConsumerService Binding="${BINDING.post}" Location="${a(sp.acsUrl)}" index="0" isDefault="true"/>`,
    '  </SPSSODescriptor>',
    '</EntityDescriptor>',
    '',
  ];
  return lines.join('\n');
}
