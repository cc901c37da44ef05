// Request bodies: forms and JSON (Cognito's application/x-amz-json-1.1) of bounded size. A body that
// cannot be read (an unknown Content-Encoding, a broken gzip/deflate/br stream, bad JSON, too large)
// is the client's fault: a BodyError the error boundary answers in the caller's shape, never a 500.
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';

export class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message);
  }
}

function bodyErrorOf(err: unknown): BodyError {
  const e = err as { status?: number; type?: string; message?: string };
  if (e.status === 415) return new BodyError(415, 'The request body uses a Content-Encoding this server does not accept (use identity, gzip, deflate or br).');
  if (e.status === 413 || e.type === 'entity.too.large') return new BodyError(413, 'The request body is too large.');
  if (e.type === 'entity.parse.failed' || e instanceof SyntaxError) return new BodyError(400, 'The request body is not valid JSON.');
  // zlib's errors (a stream that is not what its Content-Encoding says), aborted or short bodies.
  return new BodyError(400, 'The request body could not be read.');
}

/**
 * Small bodies only: a form or a token request is a few kilobytes (a SAML response a few hundred at
 * most); a huge password never reaches argon2. Decompressed sizes count against the same limits.
 */
export function readBody(): Middleware {
  return bodyParser({
    enableTypes: ['form', 'json'], formLimit: '320kb', jsonLimit: '256kb', extendTypes: { json: ['application/x-amz-json-1.1'] },
    onError: (err) => {
      throw bodyErrorOf(err);
    },
  });
}
