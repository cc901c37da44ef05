// Steps shared by the flow tests, each over HTTP as a browser or an app would take it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Browser, formFields, type Response } from '../support/browser.js';
import type { TestBroker } from '../support/broker-app.js';
import { POOL, SPA_CB } from './flow-config.js';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(broker: TestBroker, params: Record<string, string | undefined>): string {
  const url = new URL(`${broker.issuer(POOL)}/oauth2/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

export function spaParams(challenge: string, extra: Record<string, string> = {}): Record<string, string> {
  return { response_type: 'code', client_id: 'spa', redirect_uri: SPA_CB, scope: 'openid email', state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256', ...extra };
}

/** Posts the form on `page` that posts to `action`, with `values` over its hidden fields. */
export async function submit(browser: Browser, broker: TestBroker, page: Response, action: string, values: Record<string, string>, headers?: Record<string, string>): Promise<Response> {
  const f = formFields(page.body, action);
  return browser.post(`${broker.url}${f.action}`, { ...f.fields, ...values }, headers);
}

/** Signs a new user up and confirms them through the hosted pages; returns the browser, signed in. */
export async function signUp(broker: TestBroker, email: string, password: string, params = spaParams(pkce().challenge)): Promise<{ browser: Browser; callback: URL }> {
  const browser = new Browser();
  const page = await browser.get(`${broker.issuer(POOL)}/signup?${new URLSearchParams(params)}`);
  assert.equal(page.status, 200, page.body);
  let res = await submit(browser, broker, page, '/signup', { username: email, password });
  assert.equal(res.status, 303, res.body);
  res = await browser.follow(res, broker.url);
  res = await submit(browser, broker, res, '/confirmUser', { username: email, code: await broker.lastCode(email) });
  assert.equal(res.status, 303, res.body);
  return { browser, callback: new URL(res.location!) };
}

/** Signs in through the login page; returns the response to the form post. */
export async function logIn(browser: Browser, broker: TestBroker, params: Record<string, string>, username: string, password: string): Promise<Response> {
  const page = await browser.get(`${broker.issuer(POOL)}/login?${new URLSearchParams(params)}`);
  assert.equal(page.status, 200, page.body);
  return submit(browser, broker, page, '/login', { username, password });
}

export async function tokenRequest(broker: TestBroker, form: Record<string, string>, headers: Record<string, string> = {}, poolId = POOL) {
  const res = await fetch(`${broker.issuer(poolId)}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

export const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });
