// Where a trigger runs, one interface for three kinds of target: an AWS Lambda function
// (`arn:aws:lambda:…`, invoked with the AWS SDK's Lambda client, credentials from the standard AWS
// chain, LAMBDA_ENDPOINT to override), an HTTPS endpoint (the event POSTed as JSON, signed per pool
// with TRIGGER_WEBHOOK_SECRET and a timestamp; the answer is the event with `response` filled in), or a
// local module (`file:<path>` exporting `handler(event)`, run in worker threads with a memory limit,
// so a handler that hangs, loops or crashes cannot take the broker down).
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { signatureHeaders } from '../shared/signed-post.js';

/** A handler's own failure (it threw, or its Lambda reported a function error): not retried. */
export class HandlerError extends Error {}
/** The target did not answer in time, or answered 5xx or garbage: retried, then UnexpectedLambdaException. */
export class TargetUnavailable extends Error {}

export interface Target {
  invoke(event: Record<string, unknown>, timeoutMs: number): Promise<unknown>;
  close?(): Promise<void> | void;
}

export interface TargetOptions {
  region?: string | undefined;
  lambdaEndpoint?: string | undefined;
  webhookSecret?: string | undefined;
}

const MODULE_MEMORY_MB = 64;

/** The local module's worker: loads the module once and answers `{id, event}` with `{id, ok, value | error}`. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const loaded = import(pathToFileURL(workerData.path).href);
parentPort.on('message', async ({ id, event }) => {
  try {
    const mod = await loaded;
    const handler = mod.handler ?? mod.default?.handler;
    if (typeof handler !== 'function') throw new Error('the module exports no handler(event)');
    const value = await handler(event);
    parentPort.postMessage({ id, ok: true, value });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: err && err.message ? String(err.message) : String(err) });
  }
});`;

/** A local module in a worker thread with a memory limit; a worker that hangs or dies is replaced. */
function moduleTarget(path: string): Target {
  let worker: Worker | null = null;
  let next = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const spawn = () => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: resolve(path) }, resourceLimits: { maxOldGenerationSizeMb: MODULE_MEMORY_MB } });
    w.unref();
    w.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new HandlerError(m.error ?? 'error'));
    });
    const fail = (why: string) => {
      if (worker === w) worker = null;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new TargetUnavailable(why));
      }
    };
    w.on('error', (err) => fail(`the module's worker failed: ${err.message}`));
    w.on('exit', () => fail("the module's worker stopped"));
    return w;
  };
  return {
    invoke(event, timeoutMs) {
      worker ??= spawn();
      const w = worker;
      const id = ++next;
      return new Promise((resolveP, reject) => {
        const timer = setTimeout(() => {
          // A handler that does not answer (a loop, a hang) loses its worker: the next call gets a fresh one.
          pending.delete(id);
          if (worker === w) worker = null;
          void w.terminate();
          reject(new TargetUnavailable(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => (clearTimeout(timer), resolveP(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        w.postMessage({ id, event });
      });
    },
    async close() {
      await worker?.terminate();
    },
  };
}

function httpsTarget(url: string, secret: string | undefined): Target {
  return {
    async invoke(event, timeoutMs) {
      if (!secret) throw new TargetUnavailable('TRIGGER_WEBHOOK_SECRET is not set');
      const body = JSON.stringify(event);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST', body, redirect: 'error', signal: AbortSignal.timeout(timeoutMs),
          headers: { 'content-type': 'application/json', ...signatureHeaders(secret, String(event.userPoolId), body) },
        });
      } catch (err) {
        throw new TargetUnavailable((err as Error).message);
      }
      const text = await res.text();
      if (res.status >= 500) throw new TargetUnavailable(`the endpoint answered ${res.status}`);
      if (!res.ok) throw new HandlerError(text.slice(0, 200) || `the endpoint answered ${res.status}`);
      try {
        return JSON.parse(text);
      } catch {
        return undefined; // judged by the caller as a malformed response
      }
    },
  };
}

function lambdaTarget(arn: string, o: TargetOptions): Target {
  const region = arn.split(':')[3] || o.region || 'us-east-1';
  const client = new LambdaClient({ region, ...(o.lambdaEndpoint ? { endpoint: o.lambdaEndpoint } : {}), maxAttempts: 1 });
  return {
    async invoke(event, timeoutMs) {
      let out;
      try {
        out = await client.send(new InvokeCommand({ FunctionName: arn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(event)) }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500;
        if (status >= 500 || (err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') throw new TargetUnavailable((err as Error).message);
        throw new HandlerError((err as Error).message);
      }
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      if (out.FunctionError) {
        let message = text;
        try {
          message = String((JSON.parse(text) as { errorMessage?: unknown }).errorMessage ?? text);
        } catch {
          // the payload as it is
        }
        throw new HandlerError(message);
      }
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    },
    close: () => client.destroy(),
  };
}

export function targetFor(spec: string, o: TargetOptions): Target {
  if (spec.startsWith('arn:aws:lambda:')) return lambdaTarget(spec, o);
  if (spec.startsWith('https://') || spec.startsWith('http://')) return httpsTarget(spec, o.webhookSecret);
  if (spec.startsWith('file:')) return moduleTarget(spec.slice('file:'.length));
  throw new Error(`not a trigger target: ${spec}`);
}
