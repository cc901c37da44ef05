// Federation benchmark: callback-to-tokens against the OIDC stand-in. Each measured request is the
// provider's redirect reaching /oauth2/idpresponse (the broker exchanges the code at the stand-in,
// verifies the ID token, reads userinfo, maps and upserts the user, issues a code) plus the app's
// code exchange. The broker's time spent waiting on the stand-in is measured apart.
//   npm run bench:federation          FLOWS=2000 CONCURRENCY=20 npm run bench:federation
import { authorizeLikeABrowser, startOidcFake } from '../test/fakes/oidc-provider.js';
import { pkce, tokenRequest } from '../test/oauth/helpers.js';
import { Browser } from '../test/support/browser.js';
import { startTestBroker } from '../test/support/broker-app.js';

const FLOWS = Number(process.env.FLOWS ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const USERS = Number(process.env.USERS ?? 100); // distinct provider subjects: first sign-ins and returning ones
const POOL = 'bench_Fed1';
const CB = 'http://127.0.0.1:5570/cb';
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;

let upstreamMs = 0;
let upstreamCalls = 0;
const timedFetch: typeof fetch = async (input, init) => {
  const t = performance.now();
  try {
    return await fetch(input, init);
  } finally {
    upstreamMs += performance.now() - t;
    upstreamCalls++;
  }
};

const fake = await startOidcFake({ issuerPath: '/bench', clientId: 'broker', clientSecret: 'bench-secret' });
const broker = await startTestBroker(`
pools:
  - Id: ${POOL}
    PoolName: bench
    Clients:
      - { ClientId: app, CallbackURLs: ["${CB}"], AllowedOAuthScopes: [openid, email, profile], SupportedIdentityProviders: [Corp] }
    IdentityProviders:
      - ProviderName: Corp
        ProviderType: OIDC
        ProviderDetails: ${JSON.stringify(fake.details())}
        AttributeMapping: { email: email, email_verified: email_verified, name: name }
`, {}, { adapterDeps: { fetch: timedFetch } });

try {
  const { verifier, challenge } = pkce();
  const authorize = `${broker.issuer(POOL)}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: 'app', redirect_uri: CB, scope: 'openid email', code_challenge: challenge, code_challenge_method: 'S256', identity_provider: 'Corp',
  })}`;
  // Prepared, not measured: each flow's browser has been to the provider and holds its callback URL.
  const flows: { browser: Browser; callback: string }[] = [];
  for (let i = 0; i < FLOWS; i++) {
    fake.setUser({ sub: `user-${i % USERS}`, email: `user${i % USERS}@example.com`, email_verified: true, name: `User ${i % USERS}` });
    const browser = new Browser();
    const toProvider = await browser.get(authorize);
    const back = await authorizeLikeABrowser(toProvider.location!);
    flows.push({ browser, callback: `${back.to}?${new URLSearchParams(back.params)}` });
  }
  upstreamMs = 0;
  upstreamCalls = 0;
  const times: number[] = [];
  let next = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < flows.length; i = next++) {
      const t = performance.now();
      const cb = await flows[i]!.browser.get(flows[i]!.callback);
      const code = cb.location ? new URL(cb.location).searchParams.get('code') : null;
      const tokens = code ? await tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'app', code, redirect_uri: CB, code_verifier: verifier }, {}, POOL) : null;
      if (tokens?.status !== 200) failed++;
      times.push(performance.now() - t);
    }
  }));
  const secs = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  console.log(`federation (OIDC stand-in, SQLite, ${CONCURRENCY} at a time, ${FLOWS} sign-ins of ${USERS} users):`);
  console.log(`  callback to tokens: ${Math.round(FLOWS / secs)} sign-ins/s, p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms${failed ? `, ${failed} FAILED` : ''}`);
  console.log(`  of which waiting on the stand-in (token, userinfo, JWKS): ${(upstreamMs / FLOWS).toFixed(1)} ms a sign-in on average (${(upstreamCalls / FLOWS).toFixed(1)} calls)`);
} finally {
  await broker.close();
  await fake.close();
}
