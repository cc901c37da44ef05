// Fetching an IdP's metadata safely: one deadline for the whole exchange, a few redirects (never from
// https to plain http), and a cap on the bytes read whatever the headers say.
import { isLoopbackHost } from '../../src/shared/urls.js';

const MAX_REDIRECTS = 3;

/** GETs `url` (redirects only to https, or loopback http from loopback http) within the timeout and size cap. */
export async function fetchMetadata(fetchFn: typeof fetch, url: string, o: { timeoutMs: number; maxBytes: number }): Promise<string> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let current = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await fetchFn(current, { redirect: 'manual', signal, headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        const next = new URL(res.headers.get('location') ?? '', current);
        if (!redirectAllowed(new URL(current), next)) throw new Error(`it redirects to ${next.protocol === 'https:' ? 'a URL with credentials' : 'a non-https URL'}`);
        current = next.href;
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw new Error(`HTTP ${res.status}`);
      }
      return await readCapped(res, o.maxBytes);
    }
    throw new Error('too many redirects');
  } catch (err) {
    if (signal.aborted) throw new Error(`no answer within ${o.timeoutMs} ms`);
    throw err;
  }
}

function redirectAllowed(from: URL, to: URL): boolean {
  if (to.username || to.password) return false;
  if (to.protocol === 'https:') return true;
  return to.protocol === 'http:' && from.protocol === 'http:' && isLoopbackHost(from.hostname) && isLoopbackHost(to.hostname);
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const tooBig = () => new Error(`the metadata is larger than ${maxBytes} bytes`);
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(Buffer.concat(chunks));
}
