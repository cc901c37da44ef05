// An IdP as its SAML metadata describes it: parsed and checked strictly (no DTDs; an SSO endpoint;
// unexpired RSA ≥ 2048 signing certificates). Fetching, refreshing and keeping copies is federation's.
import { X509Certificate } from 'node:crypto';
import { isAllowedEndpointUrl } from '../../src/shared/urls.js';
import { SamlError, type IdpMetadata } from './types.js';
import { BINDING, NS, SAML2_PROTOCOL, attr, certPem, children, descendants, isElement, parseXml } from './xml.js';

/** Parsed metadata and when its first signing certificate expires. */
export interface Parsed {
  metadata: IdpMetadata;
  validUntil: number;
}

/** The IdP described by `xml`, or SamlError('config') naming what is wrong with it. */
export function parseIdpMetadata(xml: string, now: number): IdpMetadata {
  return parseChecked(xml, now).metadata;
}

function fail(why: string): never {
  throw new SamlError('config', `the IdP metadata ${why}`);
}

export function parseChecked(xml: string, now: number): Parsed {
  const root = parseXml(xml, 'the IdP metadata', 'config').documentElement;
  let entity: Element;
  if (isElement(root, NS.md, 'EntityDescriptor')) entity = root;
  else if (isElement(root, NS.md, 'EntitiesDescriptor')) {
    const idps = descendants(root, NS.md, 'EntityDescriptor').filter((e) => children(e, NS.md, 'IDPSSODescriptor').length > 0);
    if (idps.length === 0) fail('has no EntityDescriptor with an IDPSSODescriptor');
    if (idps.length > 1) fail(`describes ${idps.length} identity providers; give the metadata of one`);
    entity = idps[0]!;
  } else fail(`has no EntityDescriptor (its root is <${root.nodeName}>)`);

  const entityId = attr(entity, 'entityID')?.trim();
  if (!entityId) fail('has no entityID');
  const descriptors = children(entity, NS.md, 'IDPSSODescriptor');
  if (descriptors.length === 0) fail('has no IDPSSODescriptor');
  const idp = descriptors.find((d) => (attr(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL));
  if (!idp) fail('has no IDPSSODescriptor supporting SAML 2.0');

  const endpoint = (name: 'SingleSignOnService' | 'SingleLogoutService'): string | null => {
    const el = children(idp, NS.md, name).find((e) => attr(e, 'Binding') === BINDING.redirect);
    if (!el) return null;
    const location = attr(el, 'Location')?.trim() ?? '';
    if (!isAllowedEndpointUrl(location)) fail(`has a ${name} (HTTP-Redirect) whose Location is not https (http only on a loopback host): ${JSON.stringify(location)}`);
    return location;
  };
  const ssoRedirectUrl = endpoint('SingleSignOnService');
  if (!ssoRedirectUrl) fail('has no SingleSignOnService with the HTTP-Redirect binding');

  const encoded = children(idp, NS.md, 'KeyDescriptor')
    .filter((k) => (attr(k, 'use') ?? 'signing') === 'signing')
    .flatMap((k) => descendants(k, NS.ds, 'X509Certificate'))
    .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
    .filter((b64) => b64.length > 0);
  const unique = [...new Set(encoded)];
  if (unique.length === 0) fail('has no signing certificate (a KeyDescriptor use="signing" with an X509Certificate)');
  let validUntil = Infinity;
  unique.forEach((b64, i) => {
    validUntil = Math.min(validUntil, checkCertificate(b64, now, unique.length > 1 ? `signing certificate ${i + 1}` : 'signing certificate'));
  });

  return {
    metadata: {
      entityId,
      ssoRedirectUrl,
      sloRedirectUrl: endpoint('SingleLogoutService'),
      signingCerts: unique.map(certPem),
      wantAuthnRequestsSigned: ['true', '1'].includes(attr(idp, 'WantAuthnRequestsSigned')?.trim() ?? ''),
    },
    validUntil,
  };
}

/** Checks one certificate; returns when it expires. */
function checkCertificate(b64: string, now: number, label: string): number {
  let cert: X509Certificate;
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('not base64');
    cert = new X509Certificate(Buffer.from(b64, 'base64'));
  } catch {
    return fail(`has a ${label} that is not a valid X.509 certificate`);
  }
  const subject = cert.subject.replace(/\n/g, ', ');
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (!(from <= now)) fail(`has a ${label} (${subject}) that is not valid before ${iso(from)}`);
  if (!(now < to)) fail(`has a ${label} (${subject}) that expired on ${iso(to)}`);
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa') fail(`has a ${label} (${subject}) with a ${key.asymmetricKeyType ?? 'unknown'} key; only RSA keys are accepted`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) fail(`has a ${label} (${subject}) with a ${bits}-bit RSA key; at least 2048 bits are required`);
  return to;
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'an unreadable date');

