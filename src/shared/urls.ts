// Which URLs a pool may redirect to or call: https, or http on a loopback host (README.md, "The config
// file").
import { isIP } from 'node:net';

/** localhost, 127.0.0.0/8 and [::1]: the only hosts allowed over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

function parse(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** An endpoint we call or fetch: https, or http on a loopback host; no credentials in the URL. */
export function isAllowedEndpointUrl(value: string): boolean {
  const url = parse(value);
  if (!url || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

// Schemes a browser must never be sent to, even when an app registers them.
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/** A callback or logout URL an app registers: https, loopback http, or an app's own scheme; no fragment. */
export function isAllowedRedirectUrl(value: string): boolean {
  const url = parse(value);
  if (!url || value.includes('#') || url.username || url.password) return false;
  if (url.protocol === 'http:' || url.protocol === 'https:') return isAllowedEndpointUrl(value);
  return !FORBIDDEN_SCHEMES.has(url.protocol);
}
