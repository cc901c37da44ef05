// Starts the broker: settings, store, declared pools, HTTP server; stops cleanly on SIGTERM/SIGINT.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { AccessKeys } from './api/access-keys.js';
import { loadAdminKey, type AdminKey } from './api/admin-key.js';
import { AdapterCache, type AdapterDeps } from '../providers/index.js';
import { buildApp } from './app.js';
import { createTransport, Delivery } from './delivery/index.js';
import { applyDeclaredPools, ConfigConflict } from './directory/apply-config.js';
import { backfillUsernameSkeletons } from './native/skeletons.js';
import { openStore } from './directory/open.js';
import { srpMath } from './native/srp-math.js';
import { Sealer } from './directory/secrets.js';
import type { Store } from './directory/store.js';
import { SecondFactors } from './native/second-factors.js';
import { Triggers } from './triggers/index.js';
import { Migration } from './native/migration.js';
import { Accounts } from './native/accounts.js';
import { Administration } from './native/administration.js';
import { ImportJobs } from './native/import-jobs.js';
import { IdpMetadataSource, MetadataUnreachable } from './federation/saml-metadata.js';
import { SpKeys } from './tokens/sp-keys.js';
import type { Services } from './services.js';
import { KeyRing } from './tokens/keys.js';
import { RefreshTokens } from './tokens/refresh.js';
import { rotateDueKeys } from './tokens/rotation.js';
import { loadSettings, publicUrlFor, SettingsError, type Settings } from './settings.js';

export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

const PURGE_EVERY_MS = 10 * 60_000;
const DRAIN_MS = 10_000;

/**
 * SAML metadata is validated when registered: a bad MetadataFile stops the start naming the field; a
 * MetadataURL that cannot be fetched now is logged (the last good copy, if any, keeps serving).
 */
async function checkSamlMetadata(settings: Settings, source: IdpMetadataSource, log: Logger): Promise<void> {
  for (const [i, pool] of settings.pools.entries())
    for (const [j, idp] of pool.providers.entries()) {
      if (idp.ProviderType !== 'SAML') continue;
      const field = `pools[${i}].IdentityProviders[${j}].ProviderDetails.${idp.ProviderDetails.MetadataFile ? 'MetadataFile' : 'MetadataURL'}`;
      try {
        await source.validateRegistration(idp.ProviderDetails);
      } catch (err) {
        if (!(err instanceof MetadataUnreachable)) throw new ConfigConflict(`${field}: ${(err as Error).message}`);
        log.warn({ field, err: (err as Error).message }, 'SAML metadata not reachable now; sign-ins with this provider wait for it');
      }
    }
}

export interface Running {
  url: string;
  server: Server;
  store: Store;
  stop(): Promise<void>;
}

/** `adapterDeps` lets a benchmark or test see the broker's calls to providers (e.g. time them). */
/** `timeouts` shortens the server's header and request deadlines (a test of slow clients). */
export async function start(
  settings: Settings, log: Logger,
  options: { adapterDeps?: AdapterDeps; timeouts?: { headersMs: number; requestMs: number }; /** Start the SRP threads now (default) rather than at the first SRP call. */ warmSrp?: boolean } = {},
): Promise<Running> {
  const sealer = new Sealer(settings.BROKER_KEY_SECRET);
  if (!sealer.encrypting) log.warn('BROKER_KEY_SECRET is not set: private keys and provider secrets are stored unencrypted');

  const aborter = new AbortController();
  const abortOnSignal = () => aborter.abort();
  process.once('SIGTERM', abortOnSignal).once('SIGINT', abortOnSignal);
  const store = await openStore({ dataDir: settings.DATA_DIR, mongodbUri: settings.MONGODB_URI, log, signal: aborter.signal });
  process.off('SIGTERM', abortOnSignal).off('SIGINT', abortOnSignal);

  let adminKey: AdminKey;
  const samlMetadata = new IdpMetadataSource({ store, log, ...(options.adapterDeps?.fetch ? { fetch: options.adapterDeps.fetch } : {}) });
  try {
    await checkSamlMetadata(settings, samlMetadata, log);
    const report = await applyDeclaredPools(store, settings.pools, sealer);
    log.info({ created: report.created, updated: report.updated, unchanged: report.unchanged }, 'configuration applied');
    // What the file declares wins at start: a field changed through the API since is set back, and named.
    for (const [item, fields] of Object.entries(report.changedFields)) log.warn({ item, fields }, `configuration applied: ${item} set back to the file in ${fields.join(', ')}`);
    if (report.undeclared.length) log.info({ undeclared: report.undeclared }, 'kept items the configuration does not declare');
    const admin = await loadAdminKey(store, sealer, settings);
    adminKey = admin.key;
    if (admin.created) {
      // Shown once, on the console only: this is the only time the secret leaves the store.
      process.stdout.write(
        `management key created (shown once): ADMIN_ACCESS_KEY_ID=${admin.key.accessKeyId} ADMIN_SECRET_ACCESS_KEY=${admin.key.secretAccessKey}\n`,
      );
    }
  } catch (err) {
    await store.close();
    throw err;
  }

  // Explicit, shorter than Node's defaults, so slow-header and slow-body clients cannot hold sockets:
  // headers within 10 s, the whole request within 30 s, idle keep-alive sockets closed after 5 s.
  const { headersMs = HEADERS_TIMEOUT_MS, requestMs = REQUEST_TIMEOUT_MS } = options.timeouts ?? {};
  const server = createServer({
    headersTimeout: headersMs, requestTimeout: requestMs, keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.min(1_000, headersMs),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.PORT, settings.HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = publicUrlFor(settings, port);
  const sms = settings.SMS_DELIVERY;
  const delivery = new Delivery({
    store, log, transport: createTransport(settings.DELIVERY, settings.DATA_DIR, undefined, {
      kind: sms === 'outbox' || sms === 'sns' ? sms : 'webhook', snsRegion: settings.AWS_REGION, snsEndpoint: settings.SNS_ENDPOINT, webhookUrl: sms, webhookSecret: settings.SMS_WEBHOOK_SECRET,
    }),
  });
  const triggers = new Triggers({ region: settings.AWS_REGION, lambdaEndpoint: settings.LAMBDA_ENDPOINT, webhookSecret: settings.TRIGGER_WEBHOOK_SECRET, log });
  const migration = new Migration({ triggers, cognitoClientSecret: settings.COGNITO_MIGRATION_CLIENT_SECRET, log });
  const accounts = new Accounts({ store, delivery, log, sealer, triggers, migration });
  const services: Services = {
    store, log, publicUrl: url, delivery, sealer, adapters: new AdapterCache(options.adapterDeps), now: Date.now,
    ...(settings.API_CORS_ORIGINS ? { corsOrigins: settings.API_CORS_ORIGINS } : {}),
    accessKeys: new AccessKeys(store, sealer, adminKey),
    samlMetadata,
    spKeys: new SpKeys(store, sealer),
    issuerOf: (poolId) => `${url}/${poolId}`,
    keys: new KeyRing(store, sealer),
    refresh: new RefreshTokens(store),
    accounts,
    triggers,
    secondFactors: new SecondFactors({ store, delivery, sealer, log, now: Date.now }),
    administration: new Administration({ store, accounts, delivery, sealer }),
    importJobs: new ImportJobs(store, log),
  };
  const app = buildApp(services);
  server.on('request', app.callback());
  if (options.warmSrp !== false) srpMath.warm(); // off the event loop: the first SRP sign-in need not wait for them

  // Messages a transport could not take are retried; expired records are purged.
  const retry = setInterval(() => void delivery.flush().catch((err) => log.warn({ err: (err as Error).message }, 'delivery retry failed')), 30_000);
  retry.unref();
  // Keys past their pool's configured age are rotated at start and then hourly.
  const rotate = () =>
    rotateDueKeys(store, services.keys, Date.now()).then(
      (pools) => pools.length && log.info({ pools }, 'token signing keys rotated'),
      (err) => log.warn({ err: (err as Error).message }, 'key rotation failed'),
    );
  // SAML metadata from URLs is re-fetched once it is a day old (get() decides); looked at hourly.
  const refreshMetadata = async () => {
    for (const pool of await store.pools.listPools())
      for (const p of await store.pools.listProviders(pool.id))
        if (p.settings.ProviderType === 'SAML' && p.settings.ProviderDetails.MetadataURL)
          await samlMetadata.get(p).catch((err) => log.warn({ poolId: pool.id, provider: p.name, err: (err as Error).message }, 'SAML metadata refresh failed'));
  };
  await rotate();
  const rotation = setInterval(() => void rotate().then(refreshMetadata).catch((err) => log.warn({ err: (err as Error).message }, 'hourly maintenance failed')), 60 * 60_000);
  rotation.unref();
  const purge = setInterval(() => {
    store.purgeExpired(Date.now()).then(
      (n) => n && log.debug({ removed: n }, 'expired records purged'),
      (err) => log.warn({ err: (err as Error).message }, 'purge failed'),
    );
  }, PURGE_EVERY_MS);
  purge.unref();

  // Usernames made before skeletons existed get theirs, in the background (skeletons.ts).
  const backfill = new AbortController();
  const backfilled = backfillUsernameSkeletons(store, log, backfill.signal).then(
    (n) => n && log.info({ users: n }, 'username skeletons added'),
    (err) => log.warn({ err: (err as Error).message }, 'username skeleton backfill failed; it runs again at the next start'),
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      backfill.abort();
      clearInterval(purge);
      clearInterval(retry);
      clearInterval(rotation);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      await closed;
      clearTimeout(force);
      await backfilled;
      await triggers.close();
      migration.close();
      await store.close();
    })());

  return { url, server, store, stop };
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = pino({ level: settings.LOG_LEVEL, base: { service: 'identity-broker' } });
  let running: Running;
  try {
    running = await start(settings, log);
  } catch (err) {
    if (err instanceof ConfigConflict || err instanceof SettingsError) {
      process.stderr.write(`configuration error: ${settings.BROKER_CONFIG}: ${err.message}\n`);
      process.exit(1);
    }
    log.fatal({ err }, 'could not start');
    process.exit(1);
  }
  process.stdout.write(`listening on ${running.url}\n`);
  log.info({ url: running.url, store: running.store.kind }, 'listening');

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
