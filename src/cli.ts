// Operator commands on the broker's store (the same settings as `npm start`):
//   npm run admin -- rotate-keys <poolId>                                   new token signing keys now
//   npm run admin -- rotate-saml-keys <poolId>                              new SAML signing and encryption keys
//   npm run admin -- link-provider <poolId> <provider> <subject> <username>  AdminLinkProviderForUser
//   npm run admin -- preview-mapping <poolId> <provider> <subject>           what the mapping makes of the
//                                                                           claims that identity last sent
import { pino } from 'pino';
import { openStore } from './directory/open.js';
import { Sealer } from './directory/secrets.js';
import { loadSettings, SettingsError } from './settings.js';
import { KeyRing } from './tokens/keys.js';
import { SpKeys } from './tokens/sp-keys.js';
import { mapAttributes } from './federation/mapping.js';
import { linkProviderForUser } from './federation/users.js';

const USAGE = `usage: npm run admin -- rotate-keys <poolId>
       npm run admin -- rotate-saml-keys <poolId>
       npm run admin -- link-provider <poolId> <providerName> <providerSubject> <username>
       npm run admin -- preview-mapping <poolId> <providerName> <providerSubject>
`;

async function main(argv: string[]): Promise<number> {
  const [command, poolId, ...rest] = argv;
  const arity: Record<string, number> = { 'rotate-keys': 0, 'rotate-saml-keys': 0, 'link-provider': 3, 'preview-mapping': 2 };
  if (!command || !(command in arity) || !poolId || rest.length !== arity[command]) {
    process.stderr.write(USAGE);
    return 2;
  }
  const settings = loadSettings();
  const log = pino({ level: 'warn' });
  const store = await openStore({ dataDir: settings.DATA_DIR, mongodbUri: settings.MONGODB_URI, log });
  try {
    if (!(await store.pools.getPool(poolId))) {
      process.stderr.write(`no pool ${poolId}\n`);
      return 1;
    }
    if (command === 'rotate-keys') {
      const ring = new KeyRing(store, new Sealer(settings.BROKER_KEY_SECRET));
      await ring.rotate(poolId, Date.now());
      const keys = await ring.jwks(poolId, Date.now());
      process.stdout.write(`rotated the signing keys of ${poolId}; the JWKS now lists ${keys.keys.length} keys (running brokers switch within 30 s)\n`);
      return 0;
    }
    if (command === 'rotate-saml-keys') {
      await new SpKeys(store, new Sealer(settings.BROKER_KEY_SECRET)).rotate(poolId, Date.now());
      process.stdout.write(`rotated the SAML keys of ${poolId}: give IdPs the new metadata (ISS/saml2/metadata); the previous encryption certificate keeps working for 30 days; running brokers switch within 30 s\n`);
      return 0;
    }
    const [providerName, subject, username] = rest as [string, string, string];
    const provider = await store.pools.getProvider(poolId, providerName);
    if (!provider) {
      process.stderr.write(`no provider ${providerName} in ${poolId}\n`);
      return 1;
    }
    if (command === 'link-provider') {
      await linkProviderForUser(store, (await store.pools.getPool(poolId))!, provider, subject, username);
      process.stdout.write(`linked ${providerName} ${subject} to ${username}: that identity now signs in as ${username}\n`);
      return 0;
    }
    const identity = await store.identities.findIdentity(poolId, providerName, subject);
    if (!identity?.lastClaims) {
      process.stderr.write(`${providerName} ${subject} has not signed in yet: no claims to preview\n`);
      return 1;
    }
    const pool = (await store.pools.getPool(poolId))!;
    const claims = JSON.parse(identity.lastClaims);
    let attributes: unknown;
    try {
      attributes = mapAttributes(provider.settings.AttributeMapping, claims, pool.settings);
    } catch (err) {
      attributes = { error: (err as Error).message };
    }
    process.stdout.write(`${JSON.stringify({ mapping: provider.settings.AttributeMapping, claims, attributes }, null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof SettingsError ? 'configuration error: ' : ''}${(err as Error).message}\n`);
    process.exit(1);
  },
);
