// Operator commands on the broker's store (the same settings as `npm start`):
//   npm run admin -- rotate-keys <poolId>                                   new token signing keys now
//   npm run admin -- rotate-saml-keys <poolId>                              new SAML signing and encryption keys
//   npm run admin -- link-provider <poolId> <provider> <subject> <username>  AdminLinkProviderForUser
//   npm run admin -- preview-mapping <poolId> <provider> <subject>           what the mapping makes of the
//                                                                           claims that identity last sent
//   npm run admin -- audit <poolId> [limit]                                 the pool's audit trail, newest first
//   npm run admin -- create-access-key [--pool <poolId>]... [--policy <file>] [--description <text>]
//                                                                           a management key limited by a policy
//   npm run admin -- list-access-keys | delete-access-key <accessKeyId>
//   npm run admin -- export-users <poolId> [file]                           the pool's users as JSON lines (mode 0600)
//   npm run admin -- import-users <poolId> <file>                           loads an export into this store's pool
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { exportUsers, importUsers } from './native/user-export.js';
import { pino } from 'pino';
import { AccessKeys } from './api/access-keys.js';
import { parsePolicy, poolPolicy } from './api/policy.js';
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
       npm run admin -- audit <poolId> [limit]
       npm run admin -- create-access-key [--pool <poolId>]... [--policy <policy.json>] [--description <text>]
       npm run admin -- list-access-keys
       npm run admin -- delete-access-key <accessKeyId>
       npm run admin -- export-users <poolId> [file]
       npm run admin -- import-users <poolId> <file>
`;

async function main(argv: string[]): Promise<number> {
  const [command, poolId, ...rest] = argv;
  if (command && command in KEY_COMMANDS) return keyCommand(command, argv.slice(1));
  const arity: Record<string, number | [number, number]> = { 'rotate-keys': 0, 'rotate-saml-keys': 0, 'link-provider': 3, 'preview-mapping': 2, audit: [0, 1], 'export-users': [0, 1], 'import-users': 1 };
  const [least, most] = [arity[command ?? '']].flat() as [number | undefined, number | undefined];
  if (!command || least === undefined || !poolId || rest.length < least || rest.length > (most ?? least)) {
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
    if (command === 'export-users') {
      // As secret as the database: password hashes and SRP verifiers. Written for the owner alone.
      const out: NodeJS.WritableStream = rest[0] ? createWriteStream(rest[0], { mode: 0o600 }) : process.stdout;
      let users = 0;
      for await (const line of exportUsers(store, new Sealer(settings.BROKER_KEY_SECRET), poolId)) {
        if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
        if (line.startsWith('{"type":"user"')) users++;
      }
      if (out !== process.stdout) await new Promise<void>((r) => (out as WriteStream).end(() => r()));
      process.stderr.write(`exported ${users} users of ${poolId}\n`);
      return 0;
    }
    if (command === 'import-users') {
      const pool = (await store.pools.getPool(poolId))!;
      const lines = readFileSync(rest[0]!, 'utf8').split('\n');
      const r = await importUsers(store, new Sealer(settings.BROKER_KEY_SECRET), pool, lines);
      for (const f of r.failed) process.stderr.write(`line ${f.line}: ${f.message}\n`);
      process.stdout.write(`imported ${r.imported} users into ${poolId}; ${r.failed.length} lines failed\n`);
      return r.failed.length ? 1 : 0;
    }
    if (command === 'audit') {
      const limit = rest[0] ? Number(rest[0]) : 100;
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write(USAGE);
        return 2;
      }
      for (const e of await store.audit.list(poolId, { limit })) process.stdout.write(`${JSON.stringify({ ...e, time: new Date(e.time).toISOString() })}\n`);
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

const KEY_COMMANDS = { 'create-access-key': true, 'list-access-keys': true, 'delete-access-key': true };

/** Access keys for management calls (src/api/access-keys.ts); a new key's secret is printed here once. */
async function keyCommand(command: string, args: string[]): Promise<number> {
  const pools: string[] = [];
  let policyFile: string | undefined;
  let description = '';
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--pool') pools.push(value());
    else if (a === '--policy') policyFile = value();
    else if (a === '--description') description = value();
    else positional.push(a);
  }
  const wanted = command === 'delete-access-key' ? 1 : 0;
  if (positional.length !== wanted || (command === 'create-access-key' && !pools.length && !policyFile)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const settings = loadSettings();
  const store = await openStore({ dataDir: settings.DATA_DIR, mongodbUri: settings.MONGODB_URI, log: pino({ level: 'warn' }) });
  try {
    const keys = new AccessKeys(store, new Sealer(settings.BROKER_KEY_SECRET), null);
    if (command === 'list-access-keys') {
      for (const k of await keys.list()) process.stdout.write(`${JSON.stringify({ ...k, createdAt: new Date(k.createdAt).toISOString() })}\n`);
      return 0;
    }
    if (command === 'delete-access-key') {
      if (!(await keys.delete(positional[0]!))) {
        process.stderr.write(`no access key ${positional[0]}\n`);
        return 1;
      }
      process.stdout.write(`deleted ${positional[0]}: its signatures are refused from now on, by every broker on this store\n`);
      return 0;
    }
    // --pool P: every action on pool P; --policy: an IAM-style document; both: the statements of each.
    const statements = [
      ...pools.map((p) => poolPolicy(p).Statement).flat(),
      ...(policyFile ? parsePolicy(readFileSync(policyFile, 'utf8')).Statement : []),
    ];
    const key = await keys.create({ Version: '2012-10-17', Statement: statements }, description, Date.now());
    process.stdout.write(`${JSON.stringify({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Policy: key.policy })}\n`);
    process.stderr.write('the secret is shown this once: keep it now\n');
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
