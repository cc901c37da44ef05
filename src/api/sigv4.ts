// AWS Signature Version 4 on the management actions, checked as AWS checks it: the Authorization
// header parsed, X-Amz-Date within 5 minutes of our clock, the body's hash, and the signature
// recomputed by @smithy/signature-v4 (the SDKs' own signer: no canonicalisation of ours) over exactly
// the headers the caller signed, then compared in constant time. Refusals carry AWS's names and
// messages (the SDKs correct their clock on a skew message and retry).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { apiException } from './errors.js';

export const SIGNING_SERVICE = 'cognito-idp';
const SKEW_MS = 5 * 60_000;
/** Headers a management call must sign: the action (X-Amz-Target) is not covered by the body hash. */
const MUST_SIGN = ['host', 'x-amz-date', 'x-amz-target'];

export interface SignedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What a verified signature tells: who signed, for which region, and the signature (for replay memory). */
export interface Signer {
  accessKeyId: string;
  region: string;
  signature: string;
  date: number;
}

/** node:crypto as the signer's hash (SHA-256, or HMAC-SHA256 when given a key). */
class Sha256 implements Checksum {
  private h;
  constructor(private readonly secret?: SourceData) {
    this.h = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

function bytes(d: SourceData): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

const missing = () => apiException('MissingAuthenticationTokenException', 'Missing Authentication Token');
const incomplete = (what: string) => apiException('InvalidSignatureException', `Authorization header requires ${what}.`);
export const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);

/** `20261202T101500Z` → ms, or null. */
function parseAmzDate(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return null;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? null : t;
}
const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** The Authorization header's parts: `AWS4-HMAC-SHA256 Credential=id/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`. */
function parseAuthorization(header: string) {
  const [algorithm, ...rest] = header.trim().split(/\s+/);
  if (algorithm !== 'AWS4-HMAC-SHA256') throw apiException('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm ?? ''}'.`);
  const parts = new Map<string, string>();
  for (const p of rest.join(' ').split(',')) {
    const i = p.indexOf('=');
    if (i > 0) parts.set(p.slice(0, i).trim(), p.slice(i + 1).trim());
  }
  const credential = parts.get('Credential');
  const signed = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential) throw incomplete("a 'Credential' parameter");
  if (!signed) throw incomplete("a 'SignedHeaders' parameter");
  if (!signature || !/^[0-9a-f]{64}$/.test(signature)) throw incomplete("a 'Signature' parameter");
  const [accessKeyId, day, region, service, terminator, ...extra] = credential.split('/');
  if (!accessKeyId || !day || !region || !service || terminator !== 'aws4_request' || extra.length)
    throw apiException('IncompleteSignatureException', "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.");
  return { accessKeyId, day, region, service, signedHeaders: signed.split(';'), signature };
}

/**
 * Checks the request's signature. `secretOf` answers the secret of an access key id, or null for an
 * unknown key. Answers who signed; throws the AWS exception otherwise.
 */
export async function verifySigV4(req: SignedRequest, secretOf: (accessKeyId: string) => Promise<string | null>, now: number): Promise<Signer> {
  const authorization = one(req.headers.authorization);
  if (!authorization) throw missing();
  const auth = parseAuthorization(authorization);
  if (auth.service !== SIGNING_SERVICE) throw apiException('InvalidSignatureException', `Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`);
  for (const h of MUST_SIGN) if (!auth.signedHeaders.includes(h)) throw apiException('InvalidSignatureException', `'${h}' must be a signed header.`);
  const date = one(req.headers['x-amz-date']);
  const signedAt = date ? parseAmzDate(date) : null;
  if (!date || signedAt === null) throw apiException('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (auth.day !== date.slice(0, 8)) throw apiException('InvalidSignatureException', `Credential should be scoped to a valid date: '${date.slice(0, 8)}'.`);
  if (signedAt < now - SKEW_MS) throw apiException('InvalidSignatureException', `Signature expired: ${date} is now earlier than ${amzDate(now - SKEW_MS)} (${amzDate(now)} - 5 min.)`);
  if (signedAt > now + SKEW_MS) throw apiException('InvalidSignatureException', `Signature not yet current: ${date} is still later than ${amzDate(now + SKEW_MS)} (${amzDate(now)} + 5 min.)`);

  const secret = await secretOf(auth.accessKeyId);
  if (secret === null) throw apiException('UnrecognizedClientException', 'The security token included in the request is invalid.');

  // The body the signature covers: a stated hash must be this body's (the signer trusts the header).
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const stated = one(req.headers['x-amz-content-sha256']);
  if (stated !== undefined && stated !== bodyHash && stated !== 'UNSIGNED-PAYLOAD') throw apiException('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
  if (stated === 'UNSIGNED-PAYLOAD') throw apiException('InvalidSignatureException', 'The payload must be signed.');

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = one(req.headers[name]);
    if (value === undefined) throw apiException('InvalidSignatureException', MISMATCH);
    headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.query)) if (v !== undefined) query[k] = v;
  const signer = new SignatureV4({ credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret }, region: auth.region, service: SIGNING_SERVICE, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: req.method, protocol: 'https:', hostname: headers.host ?? '', path: req.path, query, headers, body: req.body },
    { signingDate: new Date(signedAt), signableHeaders: new Set(auth.signedHeaders) },
  );
  const recomputed = String(signed.headers.authorization ?? signed.headers.Authorization);
  const expected = /Signature=([0-9a-f]{64})/.exec(recomputed)?.[1] ?? '';
  const listed = /SignedHeaders=([^,]+)/.exec(recomputed)?.[1] ?? '';
  const ok = expected.length === 64 && timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature)) && listed === auth.signedHeaders.join(';');
  if (!ok) throw apiException('InvalidSignatureException', MISMATCH);
  return { accessKeyId: auth.accessKeyId, region: auth.region, signature: auth.signature, date: signedAt };
}
