// The broker's one error hierarchy. Every error a caller may be told about is a BrokerError whose
// `code` is Cognito's exception name where Cognito has one (the JSON API's `__type`), else the
// broker's own name for it. Code below the doors throws these; each door (hosted pages, OAuth
// endpoints, the JSON API) maps them to its caller's shape with one table, never by message text.

/** Cognito's exception names the broker raises, and the broker's own names for failures Cognito has no name for. */
export type ErrorCode =
  | 'AliasExistsException'
  | 'CodeMismatchException'
  | 'DuplicateProviderException'
  | 'ExpiredCodeException'
  | 'GroupExistsException'
  | 'InvalidParameterException'
  | 'InvalidPasswordException'
  | 'LimitExceededException'
  | 'NotAuthorizedException'
  | 'PasswordResetRequiredException'
  | 'ResourceNotFoundException'
  | 'TooManyFailedAttemptsException'
  | 'TooManyRequestsException'
  | 'UserNotConfirmedException'
  | 'UnsupportedOperationException'
  | 'UnsupportedTokenTypeException'
  | 'RefreshTokenReuseException'
  | 'InvalidUserPoolConfigurationException'
  | 'InternalErrorException'
  /** The JSON API's protocol errors: an unknown X-Amz-Target, a body that is not a JSON object. */
  | 'UnknownOperationException'
  | 'SerializationException'
  /** SigV4 on management actions (HTTP 403): no signature, an unknown key, a bad or stale signature, a malformed header. */
  | 'MissingAuthenticationTokenException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'IncompleteSignatureException'
  /** A signed call outside its access key's policy. */
  | 'AccessDeniedException'
  /** Management actions' own refusals (Cognito's names). */
  | 'ScopeDoesNotExistException'
  | 'InvalidOAuthFlowException'
  | 'UserNotFoundException'
  | 'UsernameExistsException'
  | 'UnsupportedUserStateException'
  | 'UnsupportedIdentityProviderException'
  | 'PreconditionNotMetException'
  | 'UserImportInProgressException'
  /** MFA: a wrong code at VerifySoftwareToken; no authenticator app associated. */
  | 'EnableSoftwareTokenMFAException'
  | 'SoftwareTokenMFANotFoundException'
  /** Passkeys: a registration whose challenge is unknown or used; a credential of another RP id or origin. */
  | 'WebAuthnChallengeNotFoundException'
  | 'WebAuthnRelyingPartyMismatchException'
  | 'WebAuthnOriginNotAllowedException'
  | 'WebAuthnCredentialNotSupportedException'
  /** Triggers: the handler refused; its answer is unusable; it never answered. */
  | 'UserLambdaValidationException'
  | 'InvalidLambdaResponseException'
  | 'UnexpectedLambdaException'
  /** The directory cannot be reached (HTTP 503). */
  | 'ServiceUnavailable'
  /** A federated sign-in failed at or because of the provider (ProviderError, with its kind). */
  | 'ProviderError'
  /** The provider's claims do not map onto the pool's attributes. */
  | 'MappingError'
  /** A browser sign-in flow cannot go on: expired, used, of another browser, or its app is gone. */
  | 'FlowError';

export class BrokerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = code;
  }
}
