// The sign-in core: every way into a session (a password, a provider's answer, a challenge answered,
// an open session) goes through here, is admitted once (admit.ts) and finished once. No Koa: the
// doors (src/oauth, src/ui, and the JSON API) parse their input, call these, and render the result.
export { pickParams, redirectWith, validateAuthorize, type AuthorizeParams, type PickedParams, type ValidRequest, type Validation } from './app-request.js';
export { fromSession, sessionServes, type Entrance } from './admit.js';
export { acsUrl, idpResponseUrl, type AuthDeps } from './deps.js';
export { FlowError, type FlowFailure } from './errors.js';
export { beginFederated, completeOAuthCallback, completeSamlPost, type Browser } from './federated.js';
export { FLOW_MS, CHALLENGE_MS } from './flows.js';
export { handleLogoutMessage, signOut } from './logout.js';
export { accountContext, afterSignUp, answerConfirmation, answerHostedMfa, signInWithPassword, startHostedCodeSignIn, startHostedPasskeySignIn, type PasswordSignIn } from './password.js';
export { failed, isRefusal, type AuthResult, type ChallengeName, type NewSession } from './results.js';
export { closeSession, findSession, freshSession, FRESH_SIGN_IN_MS, SESSION_MS } from './sessions.js';
export { answerDevicePasswordVerifier, answerDeviceSrp, answerNewPassword, answerPasswordVerifier, confirmedSignUpSession, signUpSession, initiatePasswordAuth, initiateSrpAuth, type ApiSignIn } from './api-signin.js';
export { API_SCOPES } from './admit.js';
