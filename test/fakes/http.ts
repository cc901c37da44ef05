// The HTTP plumbing the provider stand-ins share: a node:http server on 127.0.0.1 that parses each
// request, records it, hands it to the fake's handler, and closes without waiting on held-back answers.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a fake received it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  headers: IncomingHttpHeaders;
}

/**
 * Which bodies a fake reads as a form: every POST's whatever its content type ('post', as Graph and
 * Login with Amazon do), or any request's sent as application/x-www-form-urlencoded ('urlencoded').
 */
export type FormBodies = 'post' | 'urlencoded';

export async function readForm(req: IncomingMessage, bodies: FormBodies): Promise<Record<string, string>> {
  if (bodies === 'post' && req.method !== 'POST') return {};
  const body = await readBody(req);
  if (bodies === 'urlencoded' && !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return {};
  return Object.fromEntries(new URLSearchParams(body));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req.setEncoding('utf8')) data += chunk;
  return data;
}

/** What the server made of a request before handing it on: its URL, and `query` and `form` as recorded. */
export interface ParsedRequest {
  url: URL;
  query: Record<string, string>;
  form: Record<string, string>;
}

export interface FakeServerOptions {
  /** Which bodies become FakeRequest.form. */
  form: FormBodies;
  /** Answers a request, already recorded. */
  handle(req: IncomingMessage, res: ServerResponse, parsed: ParsedRequest): Promise<unknown>;
  /** Answers when reading the request or `handle` throws. */
  onError(res: ServerResponse, err: Error): void;
}

export interface FakeServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Every request received, oldest first. */
  requests: FakeRequest[];
  /** Waits `ms`, or forever if the server is closed first (for the 'slow' behaviours). */
  sleep(ms: number): Promise<void>;
  /** Drops pending sleeps and open connections, then stops listening. */
  close(): Promise<void>;
}

export async function startFakeServer(o: FakeServerOptions): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const form = await readForm(req, o.form);
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query, form, headers: req.headers });
    await o.handle(req, res, { url, query, form });
  }

  const server = createServer((req, res) => {
    receive(req, res).catch((err: Error) => o.onError(res, err));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    sleep: (ms) => new Promise<void>((r) => timers.add(setTimeout(r, ms))),
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
