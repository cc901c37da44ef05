// Typed errors of the user directory. Edges map them to their callers' shapes (Cognito `__type`,
// OAuth error, hosted-UI page); `code` matches Cognito's exception name where there is one.

export class DirectoryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** A user with that username (or, in email-as-username pools, that email) exists. */
export class UsernameExists extends DirectoryError {
  constructor(message = 'User already exists') {
    super('UsernameExistsException', message);
  }
}

/** A verified alias (email, phone number, preferred username) belongs to another user. */
export class AliasExists extends DirectoryError {
  constructor(message = 'An account with the given alias already exists.') {
    super('AliasExistsException', message);
  }
}

/** This provider identity (pool + provider + subject) is already linked to a user. */
export class IdentityAlreadyLinked extends DirectoryError {
  constructor(message = 'This provider identity is already linked to a user.') {
    super('AliasExistsException', message);
  }
}

export class GroupExists extends DirectoryError {
  constructor(message = 'A group with the name already exists.') {
    super('GroupExistsException', message);
  }
}

/** An IdP identifier is unique within a pool. */
export class IdentifierExists extends DirectoryError {
  constructor(identifier: string) {
    super('DuplicateProviderException', `The identifier ${identifier} belongs to another identity provider.`);
  }
}

export class NotFound extends DirectoryError {
  constructor(code: 'UserNotFoundException' | 'ResourceNotFoundException', message: string) {
    super(code, message);
  }
}

export class InvalidParameter extends DirectoryError {
  constructor(message: string) {
    super('InvalidParameterException', message);
  }
}

/** The database cannot be reached; the request may be retried later (HTTP 503). */
export class StoreUnavailable extends DirectoryError {
  constructor(message = 'The user directory is unavailable.', options?: { cause?: unknown }) {
    super('ServiceUnavailable', message);
    if (options?.cause) this.cause = options.cause;
  }
}
