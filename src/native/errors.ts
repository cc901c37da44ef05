// Cognito's exceptions for the native account operations: `code` is the `__type`, messages as Cognito words them.
import { AliasExists, InvalidParameter, NotFound, UsernameExists } from '../directory/errors.js';
import { BrokerError } from '../shared/errors.js';

export { UsernameExists as UsernameExistsException, AliasExists as AliasExistsException, InvalidParameter as InvalidParameterException };

export const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
export const ATTEMPTS_EXCEEDED = 'Password attempts exceeded';
export const USER_DISABLED = 'User is disabled.';

export class NotAuthorizedException extends BrokerError {
  constructor(message: string = INCORRECT_CREDENTIALS) {
    super('NotAuthorizedException', message);
  }
}

export class UserNotConfirmedException extends BrokerError {
  constructor(message = 'User is not confirmed.') {
    super('UserNotConfirmedException', message);
  }
}

export class CodeMismatchException extends BrokerError {
  constructor(message = 'Invalid verification code provided, please try again.') {
    super('CodeMismatchException', message);
  }
}

export class ExpiredCodeException extends BrokerError {
  constructor(message = 'Invalid code provided, please request a code again.') {
    super('ExpiredCodeException', message);
  }
}

export class InvalidPasswordException extends BrokerError {
  constructor(message: string) {
    super('InvalidPasswordException', message);
  }
}

export class LimitExceededException extends BrokerError {
  constructor(message = 'Attempt limit exceeded, please try after some time.') {
    super('LimitExceededException', message);
  }
}

export class TooManyFailedAttemptsException extends BrokerError {
  constructor(message = 'Too many failed attempts, please request a code again.') {
    super('TooManyFailedAttemptsException', message);
  }
}

export class PasswordResetRequiredException extends BrokerError {
  constructor(message = 'Password reset required for the user') {
    super('PasswordResetRequiredException', message);
  }
}

export class UserNotFoundException extends NotFound {
  constructor(message = 'User does not exist.') {
    super('UserNotFoundException', message);
  }
}

/** Too much work queued (a password flood): answered at once, before any hashing. */
export class TooManyRequestsException extends BrokerError {
  constructor(message = 'Too many requests. Try again in a moment.') {
    super('TooManyRequestsException', message);
  }
}
