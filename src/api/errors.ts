// The JSON API door's one table from the broker's typed errors to Cognito's error answer: HTTP 400
// with `{"__type", "message"}` and `x-amzn-ErrorType` for every modelled exception, 500
// InternalErrorException for our own faults (and for failures no API action can cause).
import { BrokerError, type ErrorCode } from '../shared/errors.js';

/** Codes that are not Cognito exceptions: if one reaches this door, it is our fault. */
const NOT_COGNITO: ReadonlySet<ErrorCode> = new Set(['ProviderError', 'MappingError', 'FlowError', 'ServiceUnavailable']);

/** AWS answers a missing, unknown or wrong signature with 403. */
const FORBIDDEN: ReadonlySet<ErrorCode> = new Set(['MissingAuthenticationTokenException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException']);

export interface ApiError {
  status: 400 | 403 | 500;
  type: string;
  message: string;
}

export function apiErrorOf(err: unknown): ApiError {
  if (err instanceof BrokerError && !NOT_COGNITO.has(err.code)) return { status: err.code === 'InternalErrorException' ? 500 : FORBIDDEN.has(err.code) ? 403 : 400, type: err.code, message: err.message };
  if (err instanceof BrokerError && err.code === 'ServiceUnavailable') return { status: 500, type: 'InternalErrorException', message: 'The user directory is unavailable. Try again shortly.' };
  return { status: 500, type: 'InternalErrorException', message: 'Internal error.' };
}

/** An exception of the API's own: a BrokerError with a Cognito name. */
export const apiException = (code: ErrorCode, message: string) => new BrokerError(code, message);
