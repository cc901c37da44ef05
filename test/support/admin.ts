// Management calls as operators make them: the AWS SDK v3 signing with SigV4, with the test broker's
// management key pair (broker-app.ts) or any other key.
import { execFile } from 'node:child_process';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { promisify } from 'node:util';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';

export const ADMIN_KEY = { accessKeyId: 'BRKRTESTTESTTESTTEST', secretAccessKey: 'test-admin-secret-0123456789' };

const run = promisify(execFile);

/** `aws cognito-idp <args>` against the broker, signed with the management key pair; its JSON answer (`{}` when it printed none). */
export async function awsCli<T = Record<string, unknown>>(url: string, ...args: string[]): Promise<T> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: ADMIN_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: ADMIN_KEY.secretAccessKey, AWS_PAGER: '' };
  const { stdout } = await run('aws', ['cognito-idp', ...args, '--endpoint-url', url, '--region', 'local', '--output', 'json'], { env });
  return (stdout.trim() ? JSON.parse(stdout) : {}) as T;
}

export function adminSdk(url: string, credentials: { accessKeyId: string; secretAccessKey: string } = ADMIN_KEY, region = 'local') {
  return new CognitoIdentityProviderClient({ endpoint: url, region, credentials, maxAttempts: 1 });
}

/** node:crypto as @smithy/signature-v4's hash, for tests that sign requests by hand (a date, a header, a body of their choosing). */
class NodeSha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.h = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array));
  }
  update(d: Uint8Array) {
    this.h.update(d);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {
    this.h = this.fresh();
  }
}

export interface HandSigned {
  action: string;
  body: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  date?: Date;
  /** Headers left out of the signature (sent all the same). */
  unsigned?: string[];
}

/** A management request signed with @smithy/signature-v4 as the SDK would, but with the test's own choices; answers the headers to send. */
export async function signByHand(url: string, o: HandSigned): Promise<Record<string, string>> {
  const { host } = new URL(url);
  const headers: Record<string, string> = { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${o.action}` };
  const signer = new SignatureV4({ credentials: o.credentials ?? ADMIN_KEY, region: 'local', service: 'cognito-idp', sha256: NodeSha256 });
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', headers, body: o.body }, {
    signingDate: o.date ?? new Date(), ...(o.unsigned ? { unsignableHeaders: new Set(o.unsigned) } : {}),
  });
  return signed.headers as Record<string, string>;
}

/** POSTs a body with the given headers to the API; answers the status and the JSON answer. */
export async function postApi(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: { __type?: string; message?: string } & Record<string, unknown> }> {
  const { host: _host, ...rest } = headers; // fetch sets Host itself (the same value)
  const res = await fetch(`${url}/`, { method: 'POST', headers: rest, body });
  return { status: res.status, body: (await res.json()) as never };
}
