// The OAuth door's one table from the broker's typed errors to what a browser sign-in answers at the
// OAuth endpoints (authorize, the provider callbacks): an HTTP status, an OAuth error code for the
// app, and the words the user reads. Nothing here reads an error's message to decide.
import { ProviderError } from '../../providers/provider.js';
import type { BrokerError } from '../shared/errors.js';
import { FlowError } from '../auth/index.js';

export interface OAuthAnswer {
  status: number;
  /** The OAuth error code (RFC 6749 §4.1.2.1) the app is sent. */
  error: string;
  description: string;
  /** Straight back to the app's redirect URI (no page), when the app is known. */
  redirect: boolean;
}

const PROVIDER: Record<ProviderError['kind'], (p: string, e: ProviderError) => OAuthAnswer> = {
  denied: (p, e) => ({ status: 302, error: 'access_denied', description: `${p}: ${e.providerError ?? 'access denied'}`, redirect: true }),
  invalid: (p) => ({ status: 400, error: 'invalid_request', description: `${p} sent an answer that could not be verified.`, redirect: false }),
  unavailable: (p) => ({ status: 502, error: 'temporarily_unavailable', description: `${p} is not answering properly. Try again later.`, redirect: false }),
  misconfigured: (p) => ({ status: 500, error: 'server_error', description: `Sign-in with ${p} is not set up correctly.`, redirect: false }),
};

export function oauthAnswerOf(err: BrokerError, provider = 'The identity provider'): OAuthAnswer {
  if (err instanceof ProviderError) return PROVIDER[err.kind](provider, err);
  if (err instanceof FlowError) return { status: 400, error: 'invalid_request', description: err.message, redirect: err.reason === 'unknown_provider' };
  switch (err.code) {
    case 'NotAuthorizedException': // the user is disabled
      return { status: 403, error: 'access_denied', description: err.message, redirect: false };
    case 'UserLambdaValidationException': // a trigger refused: back to the app with its message, as Cognito sends it
    case 'InvalidLambdaResponseException':
    case 'UnexpectedLambdaException':
      return { status: 400, error: 'invalid_request', description: err.message, redirect: true };
    default: // the claims do not map, an alias is taken…: the message says what
      return { status: 400, error: 'invalid_request', description: err.message, redirect: false };
  }
}
