// Typed errors of the user directory (uniqueness, not found, unavailable), in the broker's one
// hierarchy (shared/errors.ts): the doors map them to their callers' shapes.
import { BrokerError, type ErrorCode } from '../shared/errors.js';

export class DirectoryError extends BrokerError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
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

/** A DeviceKey is unique within a pool. */
export class DeviceExists extends DirectoryError {
  constructor(message = 'A device with the key already exists.') {
    super('InvalidParameterException', message);
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
    super('ServiceUnavailable', message, options);
  }
}
