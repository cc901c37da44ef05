// A refusal as a client library reports it (the AWS SDK's exceptions, Amplify's AuthError): its name,
// message and, when the client tells it, the HTTP status.
import assert from 'node:assert/strict';

export async function refused(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    return { name: e.name, message: e.message, ...(status !== undefined ? { status } : {}) };
  }
  assert.fail('expected a refusal');
}
