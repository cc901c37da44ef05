// Why a browser sign-in cannot go on, as the auth core tells it: each reason is one row of a door's
// table (a page, or an OAuth error back to the app), never a message to parse.
import { BrokerError } from '../shared/errors.js';

export type FlowFailure =
  /** Its state is unknown, expired or used already. */
  | 'expired'
  /** It was started in another browser (its binding cookie differs or is missing). */
  | 'other_browser'
  /** The provider's answer names no flow (no state). */
  | 'no_state'
  /** The app or the identity provider is no longer configured. */
  | 'not_configured'
  /** The IdP posted no usable SAML response. */
  | 'no_response'
  /** An unsolicited SAML response whose RelayState names no sign-in request of a SAML-only app. */
  | 'unsolicited'
  /** The request names an identity provider the app does not offer. */
  | 'unknown_provider'
  /** A sign-out message of no identity provider of the pool, or for no sign-out of ours. */
  | 'logout';

export class FlowError extends BrokerError {
  constructor(
    readonly reason: FlowFailure,
    message: string,
  ) {
    super('FlowError', message);
  }
}
