// How the broker signs what it POSTs to an operator's endpoints (SMS webhooks, trigger endpoints), so
// the receiver can refuse forged and replayed posts: each pool has its own key, HMAC-SHA-256 of the
// pool id under the operator's secret, and each post carries `X-Broker-Timestamp` and
// `X-Broker-Signature: v1=<hex HMAC-SHA-256(key, "<timestamp>.<body>")>`. One pool's key verifies no other's.
import { createHmac } from 'node:crypto';

export const poolPostKey = (secret: string, poolId: string | null): Buffer => createHmac('sha256', secret).update(poolId ?? '').digest();

/** The signature headers for `body`, posted for `poolId`, at `now`. */
export function signatureHeaders(secret: string, poolId: string | null, body: string, now: number = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', poolPostKey(secret, poolId)).update(`${timestamp}.${body}`).digest('hex');
  return { 'x-broker-timestamp': timestamp, 'x-broker-signature': `v1=${signature}` };
}
