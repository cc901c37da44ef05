// Operator commands on the broker's store (the same settings as `npm start`):
//   npm run admin -- rotate-keys <poolId>     new token signing keys now; old ones stay published
import { pino } from 'pino';
import { openStore } from './directory/open.js';
import { Sealer } from './directory/secrets.js';
import { loadSettings, SettingsError } from './settings.js';
import { KeyRing } from './tokens/keys.js';

async function main(argv: string[]): Promise<number> {
  const [command, poolId] = argv;
  if (command !== 'rotate-keys' || !poolId) {
    process.stderr.write('usage: npm run admin -- rotate-keys <poolId>\n');
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
    const ring = new KeyRing(store, new Sealer(settings.BROKER_KEY_SECRET));
    await ring.rotate(poolId, Date.now());
    const keys = await ring.jwks(poolId, Date.now());
    process.stdout.write(`rotated the signing keys of ${poolId}; the JWKS now lists ${keys.keys.length} keys (running brokers switch within 30 s)\n`);
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
