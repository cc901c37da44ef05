// The hosted pages' one table from the broker's typed errors to the status of the page that shows
// them: 429 for the limits (a flood, too many requests), 400 for everything else a user can fix.
// The page shows the error's own message (Cognito's words).
import type { ErrorCode } from '../shared/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  TooManyRequestsException: 429,
  LimitExceededException: 429,
};

export const pageStatusOf = (err: { code: ErrorCode }): number => STATUS[err.code] ?? 400;
