// A SAML 2.0 IdP as a provider adapter: SP-initiated sign-in (an AuthnRequest whose RelayState is the
// flow's state), posted Responses (for our request, or unsolicited when IDPInit allows), and single
// logout. The IdP's metadata and our SP keys come from the environment the caller gives, because
// they live in the store (fetched copies, rotated keys) and the adapter knows no store.
import { ProviderError, type Claims, type ProviderAdapter, type ProviderConfig, type SingleLogout } from '../provider.js';
import { authnRequestUrl, logoutRequestUrl, logoutResponseUrl, readRedirectMessage } from './requests.js';
import { validateSamlResponse } from './response.js';
import { SamlError, SamlUnknownKeyError, type IdpMetadata, type SamlAssertion, type SpConfig } from './types.js';

export interface SamlEnvironment {
  /** The IdP's metadata as last fetched (or its file). */
  idp(): Promise<IdpMetadata>;
  /** The metadata fetched again after a signature by an unknown key (rate-limited): null when there is no newer copy. */
  refreshIdp(): Promise<IdpMetadata | null>;
  /** This pool as a Service Provider: entity id, ACS and SLO URLs, signing and encryption keys. */
  sp(): Promise<SpConfig>;
  now(): number;
}

/** The largest base64 SAMLResponse read (a real one is a few kilobytes). */
export const MAX_RESPONSE_CHARS = 300_000;
const CLOCK_SKEW_MS = 60_000;

/** SAML attributes as claims: one value is a string, several an array (the mapping joins them as Cognito does). */
export function samlClaims(a: SamlAssertion): Claims {
  const claims: Claims = {};
  for (const [name, values] of Object.entries(a.attributes)) claims[name] = values.length === 1 ? values[0]! : values;
  claims.NameID = a.nameId;
  if (a.sessionIndex) claims.SessionIndex = a.sessionIndex;
  return claims;
}

/** SAML's own failures in the adapter seam's terms: our or the IdP's settings (`unavailable`), or a message that failed a check. */
function asProviderError(err: unknown): unknown {
  if (!(err instanceof SamlError)) return err;
  return new ProviderError(err.kind === 'config' ? 'unavailable' : 'invalid', err.message);
}

/** Runs `use` with the IdP's metadata; a signature by a key it does not list makes it look once more (the IdP may have rolled over). */
async function withMetadata<T>(env: SamlEnvironment, use: (idp: IdpMetadata) => T | Promise<T>): Promise<T> {
  try {
    try {
      return await use(await env.idp());
    } catch (err) {
      const refreshed = err instanceof SamlUnknownKeyError ? await env.refreshIdp() : null;
      if (!refreshed) throw err;
      return await use(refreshed);
    }
  } catch (err) {
    throw asProviderError(err);
  }
}

export function createSamlAdapter(config: ProviderConfig, env: SamlEnvironment): ProviderAdapter {
  const flag = (key: string) => config.details[key] === 'true';

  const logout: SingleLogout = {
    async request({ session, relayState }) {
      if (!session.nameId) throw new ProviderError('invalid', 'the session has no SAML NameID');
      const sp = await env.sp();
      return withMetadata(env, (idp) => {
        const { url, requestId } = logoutRequestUrl(sp, idp, {
          nameId: session.nameId!, nameIdFormat: session.nameIdFormat ?? null, sessionIndex: session.sessionIndex ?? null, relayState, now: env.now(),
        });
        return { redirect: url, requestId };
      });
    },
    async read(query, rawQuery) {
      const sp = await env.sp();
      const m = await withMetadata(env, (idp) => readRedirectMessage(query, rawQuery, idp, { now: env.now(), sloUrl: sp.sloUrl, allowSha1: flag('AllowSha1') }));
      return m.kind === 'LogoutRequest'
        ? { kind: 'LogoutRequest', id: m.id, nameId: m.nameId, relayState: m.relayState }
        : { kind: 'LogoutResponse', inResponseTo: m.inResponseTo, relayState: m.relayState };
    },
    async respond({ inResponseTo, relayState }) {
      const sp = await env.sp();
      return withMetadata(env, (idp) => logoutResponseUrl(sp, idp, { inResponseTo, relayState, now: env.now() }));
    },
  };

  return {
    async begin(req) {
      const sp = await env.sp();
      return withMetadata(env, (idp) => {
        const { url, requestId } = authnRequestUrl(sp, idp, { relayState: req.state, sign: config.details.RequestSigningAlgorithm === 'rsa-sha256', now: env.now() });
        return { redirect: url, kept: { requestId } };
      });
    },

    async complete(cb, flow) {
      const samlResponse = cb.params.SAMLResponse ?? '';
      if (!samlResponse || samlResponse.length > MAX_RESPONSE_CHARS) throw new ProviderError('invalid', 'no usable SAMLResponse');
      if (!flow && !flag('IDPInit')) throw new ProviderError('invalid', 'unsolicited responses are not accepted from this identity provider');
      const sp = await env.sp();
      let entityId = '';
      const assertion = await withMetadata(env, (idp) => {
        entityId = idp.entityId;
        return validateSamlResponse(samlResponse, {
          sp, idp, expectedRequestId: flow ? (flow.kept.requestId ?? '') : null, now: env.now(), clockSkewMs: CLOCK_SKEW_MS,
          allowSha1: flag('AllowSha1'), requireEncryptedAssertion: flag('EncryptedResponses'),
        });
      });
      return {
        provider: config.name, subject: assertion.nameId, issuer: entityId, claims: samlClaims(assertion),
        session: { nameId: assertion.nameId, nameIdFormat: assertion.nameIdFormat, sessionIndex: assertion.sessionIndex },
        // Each assertion once, until it could no longer be valid anyway.
        once: { namespace: 'saml-assertion', key: `${entityId}|${assertion.assertionId}`, until: assertion.notOnOrAfter + CLOCK_SKEW_MS },
      };
    },

    ...(flag('IDPSignout') ? { logout } : {}),
  };
}
