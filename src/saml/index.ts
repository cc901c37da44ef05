// The SAML 2.0 Service Provider: IdP metadata, our per-pool SP keys and metadata, and the
// HTTP-Redirect messages (AuthnRequest, single logout). Response validation lives in response.ts.
export * from './types.js';
export { IdpMetadataSource, parseIdpMetadata, type IdpMetadataSourceOptions } from './idp-metadata.js';
export { SpKeys, spEntityId, PREVIOUS_ENCRYPTION_KEY_MS, SP_CERT_VALIDITY_MS } from './sp-keys.js';
export { spMetadataXml } from './sp-metadata.js';
export {
  authnRequestUrl, logoutRequestUrl, logoutResponseUrl, readRedirectMessage, SamlUnknownKeyError, SIG_ALG_RSA_SHA256,
  type RedirectMessage,
} from './requests.js';
