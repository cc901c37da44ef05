// The Store conformance suite: one set of tests every adapter must pass unchanged (SQLite always,
// MongoDB when MONGODB_URI is set). Concurrency tests go through independent connections.
import { withMetaLock } from '../../src/directory/meta-lock.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AliasExists, DeviceExists, GroupExists, IdentifierExists, IdentityAlreadyLinked, InvalidParameter, NotFound, UsernameExists,
} from '../../src/directory/errors.js';
import { poolSchema, providerSchema } from '../../src/directory/schema.js';
import type { Store } from '../../src/directory/store.js';
import type { Device, NewUser, User } from '../../src/directory/types.js';

export interface Harness {
  store: Store;
  /** Another, independent connection to the same database (for real concurrency). */
  connect(): Promise<Store>;
  /** Closes `store` and opens the database again. */
  reopen(): Promise<Store>;
  /** Closes everything and removes the database. */
  cleanup(): Promise<void>;
}

const HOUR = 3_600_000;

async function rejectsWith(p: Promise<unknown>, type: new (...a: never[]) => Error): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof type);
}

/** Runs `n` calls of `fn` at once over `stores` (round robin) and sorts the outcomes. */
async function race<T>(stores: Store[], n: number, fn: (s: Store, i: number) => Promise<T>) {
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => fn(stores[i % stores.length]!, i)));
  return {
    ok: settled.filter((s): s is PromiseFulfilledResult<Awaited<T>> => s.status === 'fulfilled').map((s) => s.value),
    errors: settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as Error),
  };
}

export function runConformance(name: string, open: () => Promise<Harness>): void {
  describe(`Store conformance: ${name}`, () => {
    let h: Harness;
    let store: Store;
    let peers: Store[];
    const P = 'test_Pool1';
    const CS = 'test_Sensitive1';

    const pool = (id: string, extra: Record<string, unknown> = {}) => poolSchema.parse({ Id: id, PoolName: id, ...extra });
    const newUser = (username: string, extra: Partial<NewUser> = {}): NewUser => ({ poolId: P, username, status: 'CONFIRMED', ...extra });

    before(async () => {
      h = await open();
      store = h.store;
      await store.pools.putPool({ id: P, settings: pool(P) });
      await store.pools.putPool({ id: CS, settings: pool(CS, { UsernameConfiguration: { CaseSensitive: true } }) });
      peers = [store, await h.connect(), await h.connect(), await h.connect()];
    });
    after(async () => {
      for (const p of peers.slice(1)) await p.close();
      await h.cleanup();
    });

    describe('pools, clients and providers', () => {
      it('creates, replaces and lists pools', async () => {
        const created = await store.pools.putPool({ id: 'test_Other1', settings: pool('test_Other1') });
        assert.equal(created.settings.PoolName, 'test_Other1');
        const replaced = await store.pools.putPool({ id: 'test_Other1', settings: pool('test_Other1', { PoolName: 'renamed' }) });
        assert.equal(replaced.settings.PoolName, 'renamed');
        assert.equal(replaced.createdAt, created.createdAt);
        assert.deepEqual((await store.pools.getPool('test_Other1'))?.settings, replaced.settings);
        assert.ok((await store.pools.listPools()).some((p) => p.id === 'test_Other1'));
        assert.equal(await store.pools.getPool('test_Missing1'), null);
      });

      it('deletes a pool with everything in it, and leaves other pools alone', async () => {
        const D = 'test_Doomed1';
        await store.pools.putPool({ id: D, settings: pool(D) });
        await store.pools.putClient({ poolId: D, clientId: 'doomedClient', settings: { ClientId: 'doomedClient' } as never, secretHash: null, sealedSecret: null });
        await store.pools.putClient({ poolId: P, clientId: 'doomedClient', settings: { ClientId: 'doomedClient' } as never, secretHash: null, sealedSecret: null });
        const corp = providerSchema.parse({ ProviderName: 'Corp', ProviderType: 'SAML', ProviderDetails: { MetadataFile: '<x/>' }, IdpIdentifiers: ['doomed.example'] });
        await store.pools.putProvider({ poolId: D, name: 'Corp', settings: corp });
        const u = await store.users.createUser({ poolId: D, username: 'doomed', status: 'CONFIRMED', aliases: [{ kind: 'email', value: 'doomed@example.com' }] });
        await store.groups.createGroup({ poolId: D, name: 'g', description: null, precedence: null, roleArn: null });
        await store.groups.addUserToGroup(D, 'g', u.id);
        await store.identities.linkIdentity({ poolId: D, providerName: 'Corp', subject: 's', userId: u.id, providerType: 'SAML', issuer: 'https://idp.example', primary: true, lastClaims: null });

        assert.equal(await store.pools.deletePool(D), true);
        assert.equal(await store.pools.getPool(D), null);
        assert.deepEqual(await store.pools.listClients(D), []);
        assert.deepEqual(await store.pools.listProviders(D), []);
        assert.equal(await store.pools.findProviderByIdentifier(D, 'doomed.example'), null);
        assert.equal(await store.users.getUser(D, u.id), null);
        assert.deepEqual(await store.groups.listGroups(D), []);
        assert.equal(await store.identities.findIdentity(D, 'Corp', 's'), null);
        assert.deepEqual((await store.pools.findClientsById('doomedClient')).map((c) => c.poolId), [P], 'the same client id in another pool stays');
        assert.equal(await store.pools.deletePool(D), false);

        // The id can be used again, from nothing: the old username, alias and identifier are free.
        await store.pools.putPool({ id: D, settings: pool(D) });
        await store.users.createUser({ poolId: D, username: 'doomed', status: 'CONFIRMED', aliases: [{ kind: 'email', value: 'doomed@example.com' }] });
        await store.pools.putProvider({ poolId: D, name: 'Other', settings: providerSchema.parse({ ProviderName: 'Other', ProviderType: 'SAML', ProviderDetails: { MetadataFile: '<x/>' }, IdpIdentifiers: ['doomed.example'] }) });
        await store.pools.deleteClient(P, 'doomedClient');
        assert.equal(await store.pools.deletePool(D), true);
      });

      it('keeps clients with their secret hash, and deletes them', async () => {
        const settings = { ClientId: 'web', CallbackURLs: ['https://app.example/cb'] } as never;
        await store.pools.putClient({ poolId: P, clientId: 'web', settings, secretHash: 's1$x$y', sealedSecret: null });
        assert.equal((await store.pools.getClient(P, 'web'))?.secretHash, 's1$x$y');
        await store.pools.putClient({ poolId: P, clientId: 'web', settings, secretHash: null, sealedSecret: null });
        assert.equal((await store.pools.getClient(P, 'web'))?.secretHash, null);
        assert.deepEqual((await store.pools.listClients(P)).map((c) => c.clientId), ['web']);
        assert.equal(await store.pools.deleteClient(P, 'web'), true);
        assert.equal(await store.pools.getClient(P, 'web'), null);
        assert.equal(await store.pools.deleteClient(P, 'web'), false);
      });

      it('keeps a client\'s sealed secret as given, replaces it, and has none for a public client', async () => {
        const settings = { ClientId: 'sealed', CallbackURLs: ['https://app.example/cb'] } as never;
        const put = await store.pools.putClient({ poolId: P, clientId: 'sealed', settings, secretHash: 's1$x$y', sealedSecret: 'sealed:v1:first' });
        assert.equal(put.sealedSecret, 'sealed:v1:first');
        assert.equal((await store.pools.getClient(P, 'sealed'))?.sealedSecret, 'sealed:v1:first');
        await store.pools.putClient({ poolId: P, clientId: 'sealed', settings, secretHash: 's1$x$z', sealedSecret: 'sealed:v1:second' });
        const replaced = await store.pools.getClient(P, 'sealed');
        assert.equal(replaced?.sealedSecret, 'sealed:v1:second');
        assert.equal(replaced?.secretHash, 's1$x$z');
        assert.equal((await store.pools.listClients(P)).find((c) => c.clientId === 'sealed')?.sealedSecret, 'sealed:v1:second');
        await store.pools.putClient({ poolId: P, clientId: 'public', settings, secretHash: null, sealedSecret: null });
        assert.equal((await store.pools.getClient(P, 'public'))?.sealedSecret, null);
        await store.pools.putClient({ poolId: P, clientId: 'sealed', settings, secretHash: null, sealedSecret: null });
        assert.equal((await store.pools.getClient(P, 'sealed'))?.sealedSecret, null, 'a client made public loses its sealed secret');
        await store.pools.deleteClient(P, 'sealed');
        await store.pools.deleteClient(P, 'public');
      });

      it('finds clients by their id alone, in every pool', async () => {
        const settings = { ClientId: 'byId', CallbackURLs: ['https://app.example/cb'] } as never;
        await store.pools.putClient({ poolId: P, clientId: 'byId', settings, secretHash: 's1$a$b', sealedSecret: 'sealed:v1:x' });
        await store.pools.putClient({ poolId: P, clientId: 'byIdOther', settings, secretHash: null, sealedSecret: null });
        const one = await store.pools.findClientsById('byId');
        assert.deepEqual(one.map((c) => [c.poolId, c.clientId, c.secretHash, c.sealedSecret]), [[P, 'byId', 's1$a$b', 'sealed:v1:x']]);
        assert.deepEqual(one[0], await store.pools.getClient(P, 'byId'));
        await store.pools.putClient({ poolId: CS, clientId: 'byId', settings, secretHash: null, sealedSecret: null });
        assert.deepEqual((await store.pools.findClientsById('byId')).map((c) => c.poolId).sort(), [CS, P].sort(), 'two pools declaring one id');
        assert.deepEqual(await store.pools.findClientsById('noSuchClient'), []);
        assert.deepEqual(await store.pools.findClientsById('byid'), [], 'client ids are compared exactly');
        for (const [pool, id] of [[P, 'byId'], [P, 'byIdOther'], [CS, 'byId']] as const) await store.pools.deleteClient(pool, id);
        assert.deepEqual(await store.pools.findClientsById('byId'), []);
      });

      it('finds providers by identifier, case-insensitively, and keeps identifiers unique', async () => {
        const corp = providerSchema.parse({ ProviderName: 'Corp', ProviderType: 'SAML', ProviderDetails: { MetadataFile: '<x/>' }, IdpIdentifiers: ['Example.com', 'corp'] });
        await store.pools.putProvider({ poolId: P, name: 'Corp', settings: corp });
        assert.equal((await store.pools.findProviderByIdentifier(P, 'example.COM'))?.name, 'Corp');
        const other = providerSchema.parse({ ProviderName: 'Other', ProviderType: 'SAML', ProviderDetails: { MetadataFile: '<x/>' }, IdpIdentifiers: ['EXAMPLE.com'] });
        await rejectsWith(store.pools.putProvider({ poolId: P, name: 'Other', settings: other }), IdentifierExists);
        assert.equal(await store.pools.getProvider(P, 'Other').then((p) => p && p.settings.IdpIdentifiers.length), null, 'a refused provider is not left behind');
        // Replacing the provider frees the identifiers it dropped.
        await store.pools.putProvider({ poolId: P, name: 'Corp', settings: { ...corp, IdpIdentifiers: ['corp'] } });
        assert.equal(await store.pools.findProviderByIdentifier(P, 'example.com'), null);
        await store.pools.putProvider({ poolId: P, name: 'Other', settings: other });
        assert.equal((await store.pools.findProviderByIdentifier(P, 'example.com'))?.name, 'Other');
        assert.deepEqual((await store.pools.listProviders(P)).map((p) => p.name), ['Corp', 'Other']);
        assert.equal(await store.pools.deleteProvider(P, 'Other'), true);
        assert.equal(await store.pools.findProviderByIdentifier(P, 'example.com'), null);
      });
    });

    describe('users', () => {
      it('creates a user and finds it by id, username, sub and alias', async () => {
        const u = await store.users.createUser(newUser('Alice', { attributes: { email: 'Alice@Example.com', 'custom:dept': 'ops' }, aliases: [{ kind: 'email', value: 'Alice@Example.com' }] }));
        assert.match(u.sub, /^[0-9a-f-]{36}$/);
        assert.equal(u.enabled, true);
        assert.equal(u.failedSignIns, 0);
        assert.deepEqual(await store.users.getUser(P, u.id), u);
        assert.equal((await store.users.findUserByUsername(P, 'alice'))?.id, u.id, 'usernames are case-insensitive by default');
        assert.equal((await store.users.findUserByUsername(P, 'ALICE'))?.username, 'Alice', 'the username is kept as given');
        assert.equal((await store.users.findUserBySub(P, u.sub))?.id, u.id);
        assert.equal((await store.users.findUserByAlias(P, 'email', 'alice@example.COM'))?.id, u.id);
        assert.equal(await store.users.getUser(CS, u.id), null, 'users belong to one pool');
        assert.equal(await store.users.findUserByUsername(P, 'nobody'), null);
      });

      it('distinguishes case in a case-sensitive pool', async () => {
        await store.users.createUser(newUser('Bob', { poolId: CS }));
        await store.users.createUser(newUser('bob', { poolId: CS }));
        assert.equal((await store.users.findUserByUsername(CS, 'Bob'))?.username, 'Bob');
        assert.equal((await store.users.findUserByUsername(CS, 'bob'))?.username, 'bob');
        assert.equal(await store.users.findUserByUsername(CS, 'BOB'), null);
      });

      it('lets exactly one of 20 concurrent sign-ups with one username (in any case) win', async () => {
        const { ok, errors } = await race(peers, 20, (s, i) => s.users.createUser(newUser(i % 2 ? 'carol' : 'CAROL')));
        assert.equal(ok.length, 1);
        assert.equal(errors.length, 19);
        for (const e of errors) assert.ok(e instanceof UsernameExists, `${e}`);
        assert.equal((await store.users.listUsers(P, { filter: { attribute: 'username', op: '^=', value: 'CAROL' } })).items.length
          + (await store.users.listUsers(P, { filter: { attribute: 'username', op: '^=', value: 'carol' } })).items.length, 1);
      });

      it('lets exactly one of 20 concurrent users claim one alias, leaving no half-created users', async () => {
        const { ok, errors } = await race(peers, 20, (s, i) =>
          s.users.createUser(newUser(`dave${i}`, { attributes: { email: 'dave@example.com' }, aliases: [{ kind: 'email', value: i % 2 ? 'DAVE@example.com' : 'dave@example.com' }] })));
        assert.equal(ok.length, 1);
        for (const e of errors) assert.ok(e instanceof AliasExists, `${e}`);
        const left = (await store.users.listUsers(P, { filter: { attribute: 'username', op: '^=', value: 'dave' } })).items;
        assert.deepEqual(left.map((u) => u.id), [ok[0]!.id]);
        assert.equal((await store.users.findUserByAlias(P, 'email', 'dave@example.com'))?.id, ok[0]!.id);
      });

      it('claims, moves and releases aliases', async () => {
        const a = await store.users.createUser(newUser('erin'));
        const b = await store.users.createUser(newUser('frank'));
        await store.users.claimAlias(P, 'phone_number', '+15550001', a.id);
        await store.users.claimAlias(P, 'phone_number', '+15550001', a.id); // idempotent
        await rejectsWith(store.users.claimAlias(P, 'phone_number', '+15550001', b.id), AliasExists);
        await store.users.claimAlias(P, 'phone_number', '+15550001', b.id, { force: true });
        assert.equal((await store.users.findUserByAlias(P, 'phone_number', '+15550001'))?.id, b.id);
        // A user has one alias of a kind: claiming another replaces it.
        await store.users.claimAlias(P, 'phone_number', '+15550002', b.id);
        assert.equal(await store.users.findUserByAlias(P, 'phone_number', '+15550001'), null);
        await store.users.releaseAlias(P, 'phone_number', b.id);
        assert.equal(await store.users.findUserByAlias(P, 'phone_number', '+15550002'), null);
        await rejectsWith(store.users.claimAlias(P, 'email', 'ghost@example.com', randomUUID()), NotFound);
      });

      it('updates users; concurrent patches of different attributes all land', async () => {
        const u = await store.users.createUser(newUser('gina', { attributes: { name: 'Gina', given_name: 'G' } }));
        const updated = await store.users.updateUser(P, u.id, { status: 'RESET_REQUIRED', enabled: false, setAttributes: { family_name: 'Ray' }, deleteAttributes: ['given_name'] });
        assert.equal(updated.status, 'RESET_REQUIRED');
        assert.equal(updated.enabled, false);
        assert.deepEqual(updated.attributes, { name: 'Gina', family_name: 'Ray' });
        assert.ok(updated.updatedAt >= u.updatedAt);
        await race(peers, 12, (s, i) => s.users.updateUser(P, u.id, { setAttributes: { [`custom:a${i}`]: String(i) } }));
        const after = (await store.users.getUser(P, u.id))!;
        for (let i = 0; i < 12; i++) assert.equal(after.attributes[`custom:a${i}`], String(i));
        assert.equal(after.attributes.name, 'Gina');
        await rejectsWith(store.users.updateUser(P, randomUUID(), { enabled: true }), NotFound);
        await rejectsWith(store.users.updateUser(P, u.id, { setAttributes: { 'bad.name': 'x' } }), InvalidParameter);
      });

      it('keeps the MFA record whole, replaces it only with a patch that names it, and clears it with null', async () => {
        const u = await store.users.createUser(newUser('mona'));
        assert.equal(u.mfa, null, 'none at first');
        const mfa = { totp: { sealedSecret: 'sealed:app', verified: true, friendlyName: 'Phone' }, pendingTotp: null, enabled: ['SOFTWARE_TOKEN_MFA', 'EMAIL_OTP'] as ('SOFTWARE_TOKEN_MFA' | 'EMAIL_OTP')[], preferred: 'EMAIL_OTP' as const, recoveryCodes: ['h1', 'h2'] };
        assert.deepEqual((await store.users.updateUser(P, u.id, { mfa })).mfa, mfa);
        assert.deepEqual((await store.users.getUser(P, u.id))?.mfa, mfa);
        await store.users.updateUser(P, u.id, { setAttributes: { name: 'Mona' }, status: 'CONFIRMED' });
        assert.deepEqual((await store.users.findUserByUsername(P, 'mona'))?.mfa, mfa, 'other patches leave it alone');
        await store.users.updateUser(P, u.id, { mfa: null });
        assert.equal((await store.users.getUser(P, u.id))?.mfa, null);
      });

      it('keeps the SRP verifier as given, changes it only with a patch that names it', async () => {
        const plain = await store.users.createUser(newUser('sam'));
        assert.equal(plain.srpVerifier, null, 'none unless given');
        assert.equal((await store.users.getUser(P, plain.id))?.srpVerifier, null);

        const u = await store.users.createUser(newUser('sally', { passwordHash: 'hash-1', srpVerifier: 'sealed:verifier-1', attributes: { name: 'Sally' } }));
        assert.equal(u.srpVerifier, 'sealed:verifier-1');
        assert.deepEqual(await store.users.getUser(P, u.id), u);
        assert.equal((await store.users.findUserByUsername(P, 'SALLY'))?.srpVerifier, 'sealed:verifier-1');

        // A password change sets both credentials at once.
        const changed = await store.users.updateUser(P, u.id, { passwordHash: 'hash-2', srpVerifier: 'sealed:verifier-2' });
        assert.equal(changed.passwordHash, 'hash-2');
        assert.equal(changed.srpVerifier, 'sealed:verifier-2');
        const read = (await store.users.getUser(P, u.id))!;
        assert.equal(read.passwordHash, 'hash-2');
        assert.equal(read.srpVerifier, 'sealed:verifier-2');

        // Patches that do not name it leave it alone.
        await store.users.updateUser(P, u.id, { setAttributes: { family_name: 'Ride' }, deleteAttributes: ['name'] });
        await store.users.updateUser(P, u.id, { status: 'RESET_REQUIRED', enabled: false });
        await store.users.updateUser(P, u.id, { passwordHash: 'hash-3' });
        const untouched = (await store.users.getUser(P, u.id))!;
        assert.deepEqual(untouched.attributes, { family_name: 'Ride' });
        assert.equal(untouched.status, 'RESET_REQUIRED');
        assert.equal(untouched.passwordHash, 'hash-3');
        assert.equal(untouched.srpVerifier, 'sealed:verifier-2');
        assert.equal((await store.users.listUsers(P, { filter: { attribute: 'username', op: '=', value: 'sally' } })).items[0]?.srpVerifier, 'sealed:verifier-2');

        // null clears it (and only it).
        const cleared = await store.users.updateUser(P, u.id, { srpVerifier: null });
        assert.equal(cleared.srpVerifier, null);
        assert.equal(cleared.passwordHash, 'hash-3');
        assert.equal((await store.users.getUser(P, u.id))?.srpVerifier, null);
        assert.equal((await store.users.getUser(P, u.id))?.passwordHash, 'hash-3');
      });

      it('deletes a user with everything that hangs off it', async () => {
        const u = await store.users.createUser(newUser('hank', { aliases: [{ kind: 'email', value: 'hank@example.com' }] }));
        await store.identities.linkIdentity({ poolId: P, providerName: 'Google', subject: 'g-hank', userId: u.id, providerType: 'Google', issuer: null, primary: true, lastClaims: null });
        await store.groups.createGroup({ poolId: P, name: 'hankers', description: null, precedence: null, roleArn: null });
        await store.groups.addUserToGroup(P, 'hankers', u.id);
        const now = Date.now();
        await store.flows.createSession({ idHash: 'sess-hank', poolId: P, userId: u.id, authTime: 1, data: {}, createdAt: now, expiresAt: now + HOUR });
        assert.equal(await store.users.deleteUser(P, u.id), true);
        assert.equal(await store.users.getUser(P, u.id), null);
        assert.equal(await store.users.findUserByAlias(P, 'email', 'hank@example.com'), null);
        assert.equal(await store.identities.findIdentity(P, 'Google', 'g-hank'), null);
        assert.deepEqual((await store.groups.listUsersInGroup(P, 'hankers')).items, []);
        assert.equal(await store.flows.findSession('sess-hank', now), null);
        assert.equal(await store.users.deleteUser(P, u.id), false);
        // The username and alias are free again.
        await store.users.createUser(newUser('HANK', { aliases: [{ kind: 'email', value: 'hank@example.com' }] }));
      });

      it('counts failed sign-ins atomically and locks as Cognito does', async () => {
        const u = await store.users.createUser(newUser('ivan'));
        const t = 1_700_000_000_000;
        for (let i = 1; i <= 4; i++) assert.deepEqual(await store.users.recordSignInFailure(P, u.id, t), { failedSignIns: i, lockedUntil: null });
        assert.deepEqual(await store.users.recordSignInFailure(P, u.id, t), { failedSignIns: 5, lockedUntil: t + 1000 });
        assert.deepEqual(await store.users.recordSignInFailure(P, u.id, t), { failedSignIns: 6, lockedUntil: t + 2000 });
        for (let i = 0; i < 10; i++) await store.users.recordSignInFailure(P, u.id, t);
        assert.deepEqual(await store.users.recordSignInFailure(P, u.id, t), { failedSignIns: 17, lockedUntil: t + 15 * 60_000 });
        // 15 minutes without failures start the count again.
        assert.deepEqual(await store.users.recordSignInFailure(P, u.id, t + 16 * 60_000), { failedSignIns: 1, lockedUntil: null });
        await store.users.resetSignInFailures(P, u.id);
        assert.equal((await store.users.getUser(P, u.id))?.failedSignIns, 0);

        const { ok } = await race(peers, 20, (s) => s.users.recordSignInFailure(P, u.id, t));
        assert.deepEqual(ok.map((r) => r.failedSignIns).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
        const locked = (await store.users.getUser(P, u.id))!;
        assert.equal(locked.failedSignIns, 20);
        assert.equal(locked.lockedUntil, t + 15 * 60_000);
      });
      it('lets no more than five of 20 parallel sign-in attempts through before the lock', async () => {
        const u = await store.users.createUser(newUser('judy'));
        const t = 1_700_000_000_000;
        const { ok } = await race(peers, 20, (s) => s.users.beginSignInAttempt(P, u.id, t));
        assert.equal(ok.filter((a) => a.allowed).length, 5);
        const locked = (await store.users.getUser(P, u.id))!;
        assert.equal(locked.failedSignIns, 5, 'refused attempts are not counted');
        assert.equal(locked.lockedUntil, t + 1000);
        assert.equal((await store.users.beginSignInAttempt(P, u.id, t + 999)).allowed, false);
        const next = await store.users.beginSignInAttempt(P, u.id, t + 1000);
        assert.deepEqual(next, { allowed: true, failedSignIns: 6, lockedUntil: t + 1000 + 2000 });
        await store.users.resetSignInFailures(P, u.id);
        assert.deepEqual(await store.users.beginSignInAttempt(P, u.id, t + 2000), { allowed: true, failedSignIns: 1, lockedUntil: null });
      });
    });

    describe('listUsers', () => {
      const L = 'test_List1';
      let all: User[];
      before(async () => {
        await store.pools.putPool({ id: L, settings: pool(L) });
        all = [];
        for (let i = 0; i < 25; i++)
          all.push(await store.users.createUser({
            poolId: L, username: `user${String(i).padStart(2, '0')}`, status: i % 5 === 0 ? 'UNCONFIRMED' : 'CONFIRMED', enabled: i !== 3,
            attributes: { email: `User${i}@${i < 10 ? 'alpha' : 'beta'}.example`, name: `Name "${i}"`, 'custom:x': 'y' },
          }));
      });

      it('pages through every user once, in creation order, with an opaque token', async () => {
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await store.users.listUsers(L, { limit: 10, nextToken: token });
          seen.push(...page.items.map((u) => u.id));
          token = page.nextToken;
          pages++;
        } while (token);
        assert.equal(pages, 3);
        assert.deepEqual(seen, all.map((u) => u.id));
      });

      it('keeps pages stable when users are added while paging', async () => {
        const first = await store.users.listUsers(L, { limit: 10 });
        const late = await store.users.createUser({ poolId: L, username: 'late', status: 'CONFIRMED' });
        const second = await store.users.listUsers(L, { limit: 10, nextToken: first.nextToken });
        assert.deepEqual(second.items.map((u) => u.id), all.slice(10, 20).map((u) => u.id));
        await store.users.deleteUser(L, late.id);
      });

      it('filters with = and ^= as ListUsers does', async () => {
        const names = async (attribute: never, op: '=' | '^=', value: string) =>
          (await store.users.listUsers(L, { filter: { attribute, op, value } })).items.map((u) => u.username);
        assert.deepEqual(await names('username' as never, '=', 'user07'), ['user07']);
        assert.deepEqual(await names('username' as never, '=', 'USER07'), [], 'username search is case-sensitive');
        assert.deepEqual(await names('email' as never, '=', 'USER7@ALPHA.example'), ['user07'], 'email search is not');
        assert.equal((await names('email' as never, '^=', 'user1')).length, 11);
        assert.deepEqual(await names('email' as never, '^=', 'user2'), ['user02', 'user20', 'user21', 'user22', 'user23', 'user24']);
        assert.deepEqual(await names('status' as never, '=', 'Disabled'), ['user03']);
        assert.equal((await names('status' as never, '=', 'Enabled')).length, 24);
        assert.deepEqual(await names('cognito:user_status' as never, '=', 'unconfirmed'), ['user00', 'user05', 'user10', 'user15', 'user20']);
        assert.deepEqual(await names('sub' as never, '=', all[4]!.sub), ['user04']);
        assert.deepEqual(await names('name' as never, '=', 'name "12"'), ['user12']);
        assert.deepEqual(await names('email' as never, '^=', ''), all.map((u) => u.username));
      });

      it('pages a filtered listing and refuses a token made for another filter', async () => {
        const filter = { attribute: 'email' as const, op: '^=' as const, value: 'user1' };
        const p1 = await store.users.listUsers(L, { filter, limit: 4 });
        const p2 = await store.users.listUsers(L, { filter, limit: 4, nextToken: p1.nextToken });
        const p3 = await store.users.listUsers(L, { filter, limit: 4, nextToken: p2.nextToken });
        assert.deepEqual([...p1.items, ...p2.items, ...p3.items].map((u) => u.username),
          ['user01', 'user10', 'user11', 'user12', 'user13', 'user14', 'user15', 'user16', 'user17', 'user18', 'user19']);
        assert.equal(p3.nextToken, undefined);
        await rejectsWith(store.users.listUsers(L, { limit: 4, nextToken: p1.nextToken }), InvalidParameter);
        await rejectsWith(store.users.listUsers(L, { nextToken: 'garbage' }), InvalidParameter);
        await rejectsWith(store.users.listUsers(L, { limit: 61 }), InvalidParameter);
      });

      it('keeps the search index in step with updates', async () => {
        await store.users.updateUser(L, all[8]!.id, { setAttributes: { email: 'moved@gamma.example' } });
        assert.deepEqual((await store.users.listUsers(L, { filter: { attribute: 'email', op: '^=', value: 'moved@' } })).items.map((u) => u.username), ['user08']);
        assert.deepEqual((await store.users.listUsers(L, { filter: { attribute: 'email', op: '=', value: 'user8@alpha.example' } })).items, []);
      });
    });

    describe('linked identities', () => {
      it('links an identity to one user only, also under 20 concurrent links', async () => {
        const users = await Promise.all(Array.from({ length: 4 }, (_, i) => store.users.createUser(newUser(`fed${i}`))));
        const { ok, errors } = await race(peers, 20, (s, i) =>
          s.identities.linkIdentity({ poolId: P, providerName: 'Corp', subject: 'NameID-1', userId: users[i % 4]!.id, providerType: 'SAML', issuer: 'https://idp.example', primary: true, lastClaims: null }));
        assert.equal(ok.length, 1);
        for (const e of errors) assert.ok(e instanceof IdentityAlreadyLinked, `${e}`);
        const found = await store.identities.findIdentity(P, 'Corp', 'NameID-1');
        assert.equal(found?.userId, ok[0]!.userId);
        assert.equal(await store.identities.findIdentity(P, 'Corp', 'nameid-1'), null, 'subjects are case-sensitive');
      });

      it('lists, updates claims and unlinks', async () => {
        const u = await store.users.createUser(newUser('linked'));
        await store.identities.linkIdentity({ poolId: P, providerName: 'Google', subject: '123', userId: u.id, providerType: 'Google', issuer: null, primary: true, lastClaims: '{"sub":"123"}' });
        await store.identities.linkIdentity({ poolId: P, providerName: 'Facebook', subject: '456', userId: u.id, providerType: 'Facebook', issuer: null, primary: false, lastClaims: null });
        assert.deepEqual((await store.identities.listIdentities(P, u.id)).map((i) => i.providerName).sort(), ['Facebook', 'Google']);
        await store.identities.updateIdentityClaims(P, 'Google', '123', '{"sub":"123","picture":{"data":{"url":"x"}}}');
        assert.equal((await store.identities.findIdentity(P, 'Google', '123'))?.lastClaims, '{"sub":"123","picture":{"data":{"url":"x"}}}');
        assert.equal(await store.identities.unlinkIdentity(P, 'Facebook', '456'), true);
        assert.equal(await store.identities.unlinkIdentity(P, 'Facebook', '456'), false);
        await rejectsWith(store.identities.linkIdentity({ poolId: P, providerName: 'Google', subject: '999', userId: randomUUID(), providerType: 'Google', issuer: null, primary: true, lastClaims: null }), NotFound);
      });
    });

    describe('groups', () => {
      it('creates groups once, manages membership and pages members', async () => {
        await store.groups.createGroup({ poolId: P, name: 'admins', description: 'A', precedence: 1, roleArn: null });
        await rejectsWith(store.groups.createGroup({ poolId: P, name: 'admins', description: null, precedence: null, roleArn: null }), GroupExists);
        assert.equal((await store.groups.updateGroup(P, 'admins', { precedence: 5 })).precedence, 5);
        assert.equal((await store.groups.getGroup(P, 'admins'))?.description, 'A');
        const members = await Promise.all(Array.from({ length: 5 }, (_, i) => store.users.createUser(newUser(`member${i}`))));
        for (const m of members) {
          await store.groups.addUserToGroup(P, 'admins', m.id);
          await store.groups.addUserToGroup(P, 'admins', m.id); // idempotent
        }
        await rejectsWith(store.groups.addUserToGroup(P, 'nogroup', members[0]!.id), NotFound);
        assert.deepEqual((await store.groups.listGroupsForUser(P, members[0]!.id)).map((g) => g.name), ['admins']);
        const p1 = await store.groups.listUsersInGroup(P, 'admins', { limit: 3 });
        const p2 = await store.groups.listUsersInGroup(P, 'admins', { limit: 3, nextToken: p1.nextToken });
        assert.deepEqual([...p1.items, ...p2.items].map((u) => u.id), members.map((m) => m.id));
        await store.groups.removeUserFromGroup(P, 'admins', members[0]!.id);
        assert.deepEqual(await store.groups.listGroupsForUser(P, members[0]!.id), []);
        assert.equal(await store.groups.deleteGroup(P, 'admins'), true);
        assert.deepEqual(await store.groups.listGroupsForUser(P, members[1]!.id), []);
        assert.ok(!(await store.groups.listGroups(P)).some((g) => g.name === 'admins'));
      });
    });

    describe('devices', () => {
      const deviceKey = () => `us-east-1_${randomUUID()}`;
      const newDevice = (userId: string, key = deviceKey(), extra: Partial<Device> = {}): Omit<Device, 'createdAt' | 'updatedAt'> => ({
        poolId: P, userId, deviceKey: key, deviceGroupKey: `-${randomUUID().slice(0, 8)}`, verifier: null,
        attributes: { device_name: 'Phone' }, status: null, confirmed: false, lastAuthenticatedAt: null, lastIp: null, ...extra,
      });
      let owner: User;
      let other: User;
      before(async () => {
        owner = await store.users.createUser(newUser('device-owner'));
        other = await store.users.createUser(newUser('device-other'));
      });

      it('creates a device and finds it only as its own user\'s', async () => {
        const key = deviceKey();
        const d = await store.devices.createDevice(newDevice(owner.id, key, { lastIp: '192.0.2.1' }));
        assert.equal(d.deviceKey, key);
        assert.equal(d.createdAt, d.updatedAt);
        assert.deepEqual(d.attributes, { device_name: 'Phone' });
        assert.equal(d.status, null);
        assert.equal(d.confirmed, false);
        assert.deepEqual(await store.devices.getDevice(P, owner.id, key), d);
        assert.equal(await store.devices.getDevice(P, other.id, key), null, 'another user\'s key is not found');
        assert.equal(await store.devices.getDevice(CS, owner.id, key), null, 'devices belong to one pool');
        assert.equal(await store.devices.getDevice(P, owner.id, deviceKey()), null);
        await rejectsWith(store.devices.createDevice(newDevice(other.id, key)), DeviceExists);
        assert.equal(await store.devices.getDevice(P, other.id, key), null, 'a refused device is not left behind');
        await rejectsWith(store.devices.createDevice(newDevice(randomUUID())), NotFound);
        await rejectsWith(store.devices.createDevice(newDevice(owner.id, deviceKey(), { attributes: { 'bad.name': 'x' } })), InvalidParameter);
        // The key is unique in its pool only.
        const elsewhere = await store.users.createUser(newUser('device-elsewhere', { poolId: CS }));
        const there = await store.devices.createDevice(newDevice(elsewhere.id, key, { poolId: CS }));
        assert.deepEqual(await store.devices.getDevice(CS, elsewhere.id, key), there);
        assert.deepEqual(await store.devices.getDevice(P, owner.id, key), d);
      });

      it('lets exactly one of 10 concurrent creations of one DeviceKey win', async () => {
        const key = deviceKey();
        const { ok, errors } = await race(peers, 10, (s, i) => s.devices.createDevice(newDevice(i % 2 ? owner.id : other.id, key)));
        assert.equal(ok.length, 1);
        assert.equal(errors.length, 9);
        for (const e of errors) assert.ok(e instanceof DeviceExists, `${e}`);
        const winner = ok[0]!;
        const loser = winner.userId === owner.id ? other.id : owner.id;
        assert.deepEqual(await store.devices.getDevice(P, winner.userId, key), winner);
        assert.equal(await store.devices.getDevice(P, loser, key), null);
        assert.ok(!(await store.devices.listDevices(P, loser)).items.some((d) => d.deviceKey === key));
      });

      it('pages through a user\'s devices once, in creation order, with an opaque token', async () => {
        const u = await store.users.createUser(newUser('device-pager'));
        const created: Device[] = [];
        for (let i = 0; i < 25; i++) created.push(await store.devices.createDevice(newDevice(u.id, deviceKey(), { attributes: { device_name: `d${i}` } })));
        await store.devices.createDevice(newDevice(other.id)); // another user's device is never listed
        const seen: string[] = [];
        const tokens: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await store.devices.listDevices(P, u.id, { limit: 10, nextToken: token });
          assert.ok(page.items.length <= 10);
          seen.push(...page.items.map((d) => d.deviceKey));
          token = page.nextToken;
          if (token) tokens.push(token);
          pages++;
        } while (token);
        assert.equal(pages, 3);
        assert.deepEqual(seen, created.map((d) => d.deviceKey));
        // Pages are stable while devices are added, and the default (and largest) page is 60.
        const late = await store.devices.createDevice(newDevice(u.id));
        assert.deepEqual((await store.devices.listDevices(P, u.id, { limit: 10, nextToken: tokens[0] })).items.map((d) => d.deviceKey),
          created.slice(10, 20).map((d) => d.deviceKey));
        const all = await store.devices.listDevices(P, u.id);
        assert.equal(all.nextToken, undefined);
        assert.deepEqual(all.items.map((d) => d.deviceKey), [...created, late].map((d) => d.deviceKey));
        assert.deepEqual(all.items[3], created[3]);
        assert.equal((await store.devices.listDevices(P, u.id, { limit: 60 })).items.length, 26);
        await rejectsWith(store.devices.listDevices(P, u.id, { limit: 61 }), InvalidParameter);
        await rejectsWith(store.devices.listDevices(P, u.id, { nextToken: 'not-a-token' }), InvalidParameter);
        await rejectsWith(store.devices.listDevices(P, other.id, { limit: 10, nextToken: tokens[0] }), InvalidParameter);
        assert.deepEqual(await store.devices.listDevices(P, randomUUID()), { items: [] });
      });

      it('updates the user\'s own device only, keeping the fields not named', async () => {
        const key = deviceKey();
        const d = await store.devices.createDevice(newDevice(owner.id, key, { lastIp: '192.0.2.1' }));
        const t = 1_700_000_000_000;
        const confirmed = await store.devices.updateDevice(P, owner.id, key, {
          verifier: 'sealed:device-verifier', confirmed: true, attributes: { device_name: 'My phone', 'dev:os': 'ios' }, lastAuthenticatedAt: t,
        });
        assert.ok(confirmed);
        assert.equal(confirmed.verifier, 'sealed:device-verifier');
        assert.equal(confirmed.confirmed, true);
        assert.equal(confirmed.status, null, 'confirmed, not yet remembered or not');
        assert.deepEqual(confirmed.attributes, { device_name: 'My phone', 'dev:os': 'ios' });
        assert.equal(confirmed.lastAuthenticatedAt, t);
        assert.equal(confirmed.lastIp, '192.0.2.1');
        assert.equal(confirmed.createdAt, d.createdAt);
        assert.ok(confirmed.updatedAt >= d.updatedAt);
        assert.deepEqual(await store.devices.getDevice(P, owner.id, key), confirmed);

        const remembered = await store.devices.updateDevice(P, owner.id, key, { status: 'remembered', lastIp: '198.51.100.7', lastAuthenticatedAt: t + 1 });
        assert.equal(remembered?.status, 'remembered');
        assert.equal(remembered?.lastIp, '198.51.100.7');
        assert.equal(remembered?.lastAuthenticatedAt, t + 1);
        assert.equal(remembered?.verifier, 'sealed:device-verifier');
        assert.deepEqual(remembered?.attributes, { device_name: 'My phone', 'dev:os': 'ios' });
        const forgotten = await store.devices.updateDevice(P, owner.id, key, { status: 'not_remembered', verifier: null, lastIp: null, attributes: {} });
        assert.equal(forgotten?.status, 'not_remembered');
        assert.equal(forgotten?.verifier, null);
        assert.equal(forgotten?.lastIp, null);
        assert.deepEqual(forgotten?.attributes, {});
        assert.equal(forgotten?.confirmed, true);
        assert.equal((await store.devices.updateDevice(P, owner.id, key, { status: null }))?.status, null);
        const before = await store.devices.getDevice(P, owner.id, key);

        // Another user's device: nothing changes.
        assert.equal(await store.devices.updateDevice(P, other.id, key, { status: 'remembered', verifier: 'sealed:theirs', confirmed: false, attributes: { device_name: 'x' }, lastAuthenticatedAt: t + 2 }), null);
        assert.deepEqual(await store.devices.getDevice(P, owner.id, key), before);
        assert.equal(await store.devices.updateDevice(P, owner.id, deviceKey(), { status: 'remembered' }), null);
        await rejectsWith(store.devices.updateDevice(P, owner.id, key, { attributes: { 'bad.name': 'x' } }), InvalidParameter);

        // Concurrent updates of different fields all land.
        await race(peers, 4, (s, i) => s.devices.updateDevice(P, owner.id, key,
          [{ verifier: 'sealed:v2' }, { status: 'remembered' as const }, { lastIp: '203.0.113.9' }, { lastAuthenticatedAt: t + 3 }][i]!));
        const after = (await store.devices.getDevice(P, owner.id, key))!;
        assert.deepEqual([after.verifier, after.status, after.lastIp, after.lastAuthenticatedAt], ['sealed:v2', 'remembered', '203.0.113.9', t + 3]);
      });

      it('deletes the user\'s own device only', async () => {
        const key = deviceKey();
        await store.devices.createDevice(newDevice(owner.id, key));
        assert.equal(await store.devices.deleteDevice(P, other.id, key), false);
        assert.ok(await store.devices.getDevice(P, owner.id, key), 'another user cannot delete it');
        assert.equal(await store.devices.deleteDevice(P, owner.id, key), true);
        assert.equal(await store.devices.getDevice(P, owner.id, key), null);
        assert.ok(!(await store.devices.listDevices(P, owner.id)).items.some((d) => d.deviceKey === key));
        assert.equal(await store.devices.deleteDevice(P, owner.id, key), false);
        // The key is free again.
        const again = await store.devices.createDevice(newDevice(other.id, key));
        assert.deepEqual(await store.devices.getDevice(P, other.id, key), again);
      });

      it('deletes a user\'s devices with the user, and only that user\'s', async () => {
        const u = await store.users.createUser(newUser('device-leaver'));
        const keys = [deviceKey(), deviceKey()];
        for (const key of keys) await store.devices.createDevice(newDevice(u.id, key));
        const kept = await store.devices.createDevice(newDevice(other.id));
        assert.equal(await store.users.deleteUser(P, u.id), true);
        for (const key of keys) assert.equal(await store.devices.getDevice(P, u.id, key), null);
        assert.deepEqual(await store.devices.listDevices(P, u.id), { items: [] });
        assert.deepEqual(await store.devices.getDevice(P, other.id, kept.deviceKey), kept);
        // Its keys are free again.
        await store.devices.createDevice(newDevice(other.id, keys[0]));
      });
    });

    describe('keys', () => {
      const key = (kid: string, purpose: 'id' | 'access' = 'id') => ({
        kid, poolId: P, purpose, alg: 'RS256', publicJwk: { kty: 'RSA', kid, n: 'abc', e: 'AQAB' }, privateKey: `pem-${kid}`, certificate: null, createdAt: Date.now(),
      });

      it('creates one active key per pool and purpose, also under concurrency', async () => {
        const { ok } = await race(peers, 10, (s, i) => s.keys.addKeyIfNone(key(`k-${i}`)));
        const active = await store.keys.getActiveKey(P, 'id');
        assert.ok(active?.active);
        for (const k of ok) assert.equal(k.kid, active!.kid);
        assert.equal((await store.keys.getKey(active!.kid))?.privateKey, `pem-${active!.kid}`);
        assert.equal(await store.keys.getActiveKey(P, 'access'), null);
      });

      it('rotates: the old key stays published until its tokens expire', async () => {
        const now = Date.now();
        const old = (await store.keys.getActiveKey(P, 'id'))!;
        const next = await store.keys.rotateKey(key('k-next'), now, now + HOUR);
        assert.equal(next.active, true);
        assert.equal((await store.keys.getActiveKey(P, 'id'))?.kid, 'k-next');
        const retired = (await store.keys.getKey(old.kid))!;
        assert.equal(retired.active, false);
        assert.equal(retired.publishUntil, now + HOUR);
        assert.deepEqual((await store.keys.listPublishedKeys(P, now)).map((k) => k.kid).sort(), [old.kid, 'k-next'].sort());
        assert.deepEqual((await store.keys.listPublishedKeys(P, now + HOUR + 1)).map((k) => k.kid), ['k-next']);
      });
    });

    describe('authorization codes and refresh tokens', () => {
      let user: User;
      before(async () => {
        user = await store.users.createUser(newUser('tokens'));
      });
      const code = (hash: string, expiresAt: number) => ({
        hash, poolId: P, clientId: 'web', userId: user.id, redirectUri: 'https://app.example/cb', scopes: ['openid'],
        codeChallenge: 'abc', codeChallengeMethod: 'S256', nonce: 'n-1', authTime: 1, sessionId: null, extra: { via: 'COGNITO' },
        createdAt: Date.now(), expiresAt,
      });
      const family = (id: string, expiresAt = Date.now() + HOUR, codeHash: string | null = null) => ({
        id, poolId: P, clientId: 'web', userId: user.id, originJti: `jti-${id}`, authTime: 1, scopes: ['openid'], codeHash, createdAt: Date.now(), expiresAt,
      });
      const token = (hash: string, expiresAt = Date.now() + HOUR) => ({ hash, createdAt: Date.now(), expiresAt });

      it('consumes a code once and reports a replay', async () => {
        await store.tokens.saveAuthCode(code('c1', Date.now() + 60_000));
        const first = await store.tokens.consumeAuthCode('c1', Date.now());
        assert.equal(first.status, 'ok');
        assert.equal(first.status === 'ok' && first.code.redirectUri, 'https://app.example/cb');
        assert.deepEqual(first.status === 'ok' && first.code.extra, { via: 'COGNITO' });
        assert.equal((await store.tokens.consumeAuthCode('c1', Date.now())).status, 'replayed');
        assert.equal((await store.tokens.consumeAuthCode('nope', Date.now())).status, 'invalid');
      });

      it('never accepts an expired code, even before clean-up', async () => {
        await store.tokens.saveAuthCode(code('c-old', Date.now() - 1));
        assert.equal((await store.tokens.consumeAuthCode('c-old', Date.now())).status, 'invalid');
      });

      it('gives one of 20 concurrent exchanges of a code the tokens', async () => {
        await store.tokens.saveAuthCode(code('c-race', Date.now() + 60_000));
        const { ok } = await race(peers, 20, (s) => s.tokens.consumeAuthCode('c-race', Date.now()));
        assert.equal(ok.filter((r) => r.status === 'ok').length, 1);
        assert.equal(ok.filter((r) => r.status === 'replayed').length, 19);
      });

      it('rotates refresh tokens and revokes the family when an old one comes back', async () => {
        await store.tokens.createRefreshFamily(family('f1'), token('r1'));
        assert.equal((await store.tokens.findRefreshToken('r1', Date.now()))?.family.originJti, 'jti-f1');
        assert.equal((await store.tokens.rotateRefreshToken('r1', token('r2'), Date.now())).status, 'rotated');
        assert.equal(await store.tokens.findRefreshToken('r1', Date.now()), null, 'a rotated token is spent');
        assert.ok(await store.tokens.findRefreshToken('r2', Date.now()));
        const reuse = await store.tokens.rotateRefreshToken('r1', token('r3'), Date.now());
        assert.equal(reuse.status, 'reused');
        assert.equal(await store.tokens.findRefreshToken('r2', Date.now()), null, 'reuse revokes the whole family');
        assert.equal(await store.tokens.findRefreshToken('r3', Date.now()), null);
        assert.equal((await store.tokens.getRefreshFamily('f1'))?.revokedReason !== null, true);
        assert.equal((await store.tokens.rotateRefreshToken('r2', token('r4'), Date.now())).status, 'invalid');
      });

      it('accepts a retry within the grace period', async () => {
        await store.tokens.createRefreshFamily(family('f-grace'), token('g1'));
        const t = Date.now();
        assert.equal((await store.tokens.rotateRefreshToken('g1', token('g2'), t, 10_000)).status, 'rotated');
        assert.equal((await store.tokens.rotateRefreshToken('g1', token('g3'), t + 5_000, 10_000)).status, 'rotated');
        assert.equal((await store.tokens.rotateRefreshToken('g1', token('g4'), t + 11_000, 10_000)).status, 'reused');
      });

      it('takes the same successor again within the grace period, leaving one live token', async () => {
        await store.tokens.createRefreshFamily(family('f-same'), token('s1'));
        const t = Date.now();
        assert.equal((await store.tokens.rotateRefreshToken('s1', token('s2'), t, 10_000)).status, 'rotated');
        const { ok } = await race(peers, 6, (s) => s.tokens.rotateRefreshToken('s1', token('s2'), t + 1_000, 10_000));
        assert.ok(ok.every((r) => r.status === 'rotated'));
        assert.ok(await store.tokens.findRefreshToken('s2', t + 1_000));
      });

      it('lets one of 20 concurrent rotations of a token win; the rest count as reuse', async () => {
        await store.tokens.createRefreshFamily(family('f-race'), token('race-1'));
        const { ok } = await race(peers, 20, (s, i) => s.tokens.rotateRefreshToken('race-1', token(`race-next-${i}`), Date.now()));
        assert.equal(ok.filter((r) => r.status === 'rotated').length, 1);
        assert.equal(ok.filter((r) => r.status === 'reused').length + ok.filter((r) => r.status === 'invalid').length, 19);
        assert.ok((await store.tokens.getRefreshFamily('f-race'))?.revokedAt);
      });

      it('does not accept expired tokens, and revokes by code and by user', async () => {
        await store.tokens.createRefreshFamily(family('f-exp', Date.now() - 1), token('e1'));
        assert.equal(await store.tokens.findRefreshToken('e1', Date.now()), null);
        await store.tokens.createRefreshFamily(family('f-code', undefined, 'code-hash-1'), token('fc1'));
        assert.equal(await store.tokens.revokeFamiliesFromCode('code-hash-1', 'code replay', Date.now()), 1);
        assert.equal(await store.tokens.findRefreshToken('fc1', Date.now()), null);
        await store.tokens.createRefreshFamily(family('f-u1'), token('u1'));
        await store.tokens.createRefreshFamily(family('f-u2'), token('u2'));
        assert.ok((await store.tokens.revokeUserRefreshFamilies(P, user.id, 'global sign-out', Date.now())) >= 2);
        assert.equal(await store.tokens.findRefreshToken('u1', Date.now()), null);
        assert.equal(await store.tokens.findRefreshToken('u2', Date.now()), null);
        // A password change keeps the changing sign-in's own family.
        await store.tokens.createRefreshFamily(family('f-keep'), token('k1'));
        await store.tokens.createRefreshFamily(family('f-other'), token('k2'));
        assert.equal(await store.tokens.revokeUserRefreshFamilies(P, user.id, 'password_change', Date.now(), 'jti-f-keep'), 1);
        assert.ok(await store.tokens.findRefreshToken('k1', Date.now()), 'the kept family still refreshes');
        assert.equal(await store.tokens.findRefreshToken('k2', Date.now()), null);
      });
    });

    describe('flows, sessions, one-time codes and replay memory', () => {
      let user: User;
      before(async () => {
        user = await store.users.createUser(newUser('browser'));
      });
      const flow = (stateHash: string, expiresAt: number) => ({
        kind: 'federation' as const, stateHash, poolId: P, data: { providerName: 'Google', browserHash: 'b1', nonce: 'n', verifier: 'v', request: { client_id: 'web' } }, createdAt: Date.now(), expiresAt,
      });

      it('consumes a flow once, and never an expired one', async () => {
        await store.flows.saveFlow(flow('s1', Date.now() + 60_000));
        const got = await store.flows.consumeFlow('federation', 's1', Date.now());
        assert.deepEqual(got?.data, { providerName: 'Google', browserHash: 'b1', nonce: 'n', verifier: 'v', request: { client_id: 'web' } });
        assert.equal(got?.kind, 'federation');
        assert.equal(await store.flows.consumeFlow('federation', 's1', Date.now()), null);
        await store.flows.saveFlow(flow('s-old', Date.now() - 1));
        assert.equal(await store.flows.consumeFlow('federation', 's-old', Date.now()), null);
      });

      it('consumes a flow only as its own kind, and leaves it to that kind', async () => {
        await store.flows.saveFlow(flow('s-kind', Date.now() + 60_000));
        assert.equal(await store.flows.consumeFlow('continuation', 's-kind', Date.now()), null);
        assert.equal(await store.flows.consumeFlow('challenge', 's-kind', Date.now()), null);
        assert.equal((await store.flows.consumeFlow('federation', 's-kind', Date.now()))?.kind, 'federation');
      });

      it('gives one of 20 concurrent callbacks the flow', async () => {
        await store.flows.saveFlow(flow('s-race', Date.now() + 60_000));
        const { ok } = await race(peers, 20, (s) => s.flows.consumeFlow('federation', 's-race', Date.now()));
        assert.equal(ok.filter((f) => f !== null).length, 1);
      });

      it('finds live sessions only and ends them', async () => {
        const now = Date.now();
        await store.flows.createSession({ idHash: 'h1', poolId: P, userId: user.id, authTime: 10, data: { via: 'COGNITO' }, createdAt: now, expiresAt: now + HOUR });
        await store.flows.createSession({ idHash: 'h2', poolId: P, userId: user.id, authTime: 10, data: {}, createdAt: now, expiresAt: now + HOUR });
        await store.flows.createSession({ idHash: 'h-old', poolId: P, userId: user.id, authTime: 10, data: {}, createdAt: now, expiresAt: now - 1 });
        assert.deepEqual((await store.flows.findSession('h1', now))?.data, { via: 'COGNITO' });
        assert.equal(await store.flows.findSession('h-old', now), null);
        await store.flows.deleteSession('h1');
        assert.equal(await store.flows.findSession('h1', now), null);
        assert.ok((await store.flows.deleteUserSessions(P, user.id)) >= 1);
        assert.equal(await store.flows.findSession('h2', now), null);
      });

      it('checks one-time codes: once, five wrong tries void it, expiry', async () => {
        const now = Date.now();
        const put = (hash: string, expiresAt = now + HOUR) => store.flows.putOneTimeCode({ poolId: P, userId: user.id, purpose: 'confirm_sign_up', codeHash: hash, createdAt: now, expiresAt });
        await put('right');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'wrong', now), 'mismatch');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'right', now), 'ok');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'right', now), 'none');
        await put('right');
        for (let i = 0; i < 4; i++) assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'wrong', now), 'mismatch');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'wrong', now), 'too_many_attempts');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'right', now), 'too_many_attempts');
        await put('right'); // a new code starts the count again
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'right', now), 'ok');
        await put('right', now - 1);
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'confirm_sign_up', 'right', now), 'expired');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'reset_password', 'right', now), 'none');
      });

      it('keeps a code\'s pending value while the code lives, and drops it with the code', async () => {
        const now = Date.now();
        const purpose = 'verify_phone_number' as const;
        const put = (hash: string, pending?: string | null, expiresAt = now + HOUR) =>
          store.flows.putOneTimeCode({ poolId: P, userId: user.id, purpose, codeHash: hash, ...(pending !== undefined ? { pending } : {}), createdAt: now, expiresAt });
        const pending = (at = now) => store.flows.pendingOfOneTimeCode(P, user.id, purpose, at);
        assert.equal(await pending(), null, 'no code');
        await put('c1', '+15550100001');
        assert.equal(await pending(), '+15550100001');
        assert.equal(await store.flows.pendingOfOneTimeCode(P, user.id, 'verify_email', now), null, 'another purpose');
        assert.equal(await store.flows.pendingOfOneTimeCode(CS, user.id, purpose, now), null, 'another pool');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, purpose, 'wrong', now), 'mismatch');
        assert.equal(await pending(), '+15550100001', 'a wrong try leaves it');
        for (let i = 0; i < 4; i++) await store.flows.consumeOneTimeCode(P, user.id, purpose, 'wrong', now);
        assert.equal(await pending(), '+15550100001', 'a code void of tries still tells what waits (a new code may be asked for it)');
        await put('c2', '+15550100002');
        assert.equal(await pending(), '+15550100002', 'replaced with the code');
        assert.equal(await pending(now + HOUR), null, 'not once the code has expired');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, purpose, 'c2', now), 'ok');
        assert.equal(await pending(), null, 'gone with the code it came with');
        await put('c3', '+15550100003');
        await put('c4');
        assert.equal(await pending(), null, 'a code without one replaces it');
        await put('c5', null);
        assert.equal(await pending(), null);
        await put('c6', '+15550100006', now - 1);
        assert.equal(await pending(), null, 'an expired code has none');
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, purpose, 'c6', now), 'expired');
        await put('c7', 'pending@example.com');
        store = await h.reopen();
        peers[0] = store;
        assert.equal(await pending(), 'pending@example.com', 'kept across reopening');
        assert.equal(await peers[1]!.flows.pendingOfOneTimeCode(P, user.id, purpose, now), 'pending@example.com', 'seen by another connection');
      });

      it('accepts a one-time code once among 20 concurrent tries', async () => {
        const now = Date.now();
        await store.flows.putOneTimeCode({ poolId: P, userId: user.id, purpose: 'reset_password', codeHash: 'c', createdAt: now, expiresAt: now + HOUR });
        const { ok } = await race(peers, 20, (s) => s.flows.consumeOneTimeCode(P, user.id, 'reset_password', 'c', now));
        assert.equal(ok.filter((r) => r === 'ok').length, 1);
        assert.ok(ok.every((r) => r === 'ok' || r === 'none' || r === 'too_many_attempts'), JSON.stringify(ok));
      });

      it('compares at most five of 20 parallel guesses of a code', async () => {
        const now = Date.now();
        await store.flows.putOneTimeCode({ poolId: P, userId: user.id, purpose: 'verify_email', codeHash: 'right', createdAt: now, expiresAt: now + HOUR });
        // 19 wrong guesses and the right one, all at once: the right one may win only if it is among
        // the first five tries, and no more than five tries are ever compared.
        const { ok } = await race(peers, 20, (s, i) => s.flows.consumeOneTimeCode(P, user.id, 'verify_email', i === 19 ? 'right' : `wrong-${i}`, now));
        assert.ok(ok.filter((r) => r === 'mismatch' || r === 'ok').length <= 5, JSON.stringify(ok));
        assert.equal(await store.flows.consumeOneTimeCode(P, user.id, 'verify_email', 'right', now) === 'ok' && ok.includes('ok'), false, 'never accepted twice');
      });

      it('remembers a key until it expires', async () => {
        const now = Date.now();
        assert.equal(await store.flows.rememberOnce('saml', 'assertion-1', now + 1000, now), true);
        assert.equal(await store.flows.rememberOnce('saml', 'assertion-1', now + 1000, now), false);
        assert.equal(await store.flows.rememberOnce('other', 'assertion-1', now + 1000, now), true);
        assert.equal(await store.flows.rememberOnce('saml', 'assertion-1', now + 5000, now + 2000), true, 'expired memory is no memory');
        const { ok } = await race(peers, 20, (s) => s.flows.rememberOnce('saml', 'assertion-race', now + 1000, now));
        assert.equal(ok.filter(Boolean).length, 1);
      });
    });

    describe('limits', () => {
      const t = 1_700_000_000_000;
      const FIVE = { lockAfter: 5, maxLockMs: 15 * 60_000, resetAfterMs: 15 * 60_000 };

      it('locks a key after five attempts, refuses while locked without counting, and restarts after a quiet period', async () => {
        const k = 'name:Nobody@Example.com';
        for (let i = 1; i <= 4; i++) assert.deepEqual(await store.limits.beginAttempt(k, t), { allowed: true, failedSignIns: i, lockedUntil: null });
        assert.deepEqual(await store.limits.beginAttempt(k, t), { allowed: true, failedSignIns: 5, lockedUntil: t + 1000 });
        for (let i = 0; i < 3; i++)
          assert.deepEqual(await store.limits.beginAttempt(k, t + 999), { allowed: false, failedSignIns: 5, lockedUntil: t + 1000 }, 'refused, not counted');
        assert.deepEqual(await store.limits.beginAttempt(k, t + 1000), { allowed: true, failedSignIns: 6, lockedUntil: t + 3000 });
        // 15 minutes without failures (and no lock) start the count again.
        assert.deepEqual(await store.limits.beginAttempt(k, t + 1000 + 15 * 60_000 + 1), { allowed: true, failedSignIns: 1, lockedUntil: null });
        const other = { lockAfter: 2, maxLockMs: 60_000, resetAfterMs: 60_000 };
        assert.equal((await store.limits.beginAttempt('policy-key', t, other)).lockedUntil, null);
        assert.deepEqual(await store.limits.beginAttempt('policy-key', t, other), { allowed: true, failedSignIns: 2, lockedUntil: t + 1000 });
      });

      it('resets a key, and keeps keys (and attempts and windows of one key) apart', async () => {
        for (let i = 0; i < 5; i++) await store.limits.beginAttempt('ip:10.0.0.1', t);
        await store.limits.beginAttempt('ip:10.0.0.2', t);
        assert.equal((await store.limits.beginAttempt('ip:10.0.0.1', t + 1)).allowed, false);
        assert.equal((await store.limits.beginAttempt('IP:10.0.0.1', t + 1)).failedSignIns, 1, 'keys are compared exactly');
        assert.deepEqual(await store.limits.take('ip:10.0.0.1', 1, 60_000, t), { allowed: true, count: 1, resetAt: t + 60_000 }, 'windows are not attempts');
        await store.limits.resetAttempts('ip:10.0.0.1');
        assert.deepEqual(await store.limits.beginAttempt('ip:10.0.0.1', t + 1), { allowed: true, failedSignIns: 1, lockedUntil: null });
        assert.equal((await store.limits.beginAttempt('ip:10.0.0.2', t + 1)).failedSignIns, 2, 'another key keeps its count');
        assert.equal((await store.limits.take('ip:10.0.0.1', 1, 60_000, t + 1)).allowed, false, 'resetAttempts leaves windows alone');
        await store.limits.resetAttempts('never-seen');
        await store.limits.resetWindow('ip:10.0.0.1');
        assert.deepEqual(await store.limits.take('ip:10.0.0.1', 1, 60_000, t + 2), { allowed: true, count: 1, resetAt: t + 60_002 }, 'resetWindow starts a new window');
        assert.equal((await store.limits.beginAttempt('ip:10.0.0.1', t + 2)).failedSignIns, 2, 'resetWindow leaves attempts alone');
        await store.limits.resetWindow('never-seen');
      });

      it('allows `limit` takes in a window, refuses the rest without counting them, and starts a new window after windowMs', async () => {
        for (let i = 1; i <= 3; i++) assert.deepEqual(await store.limits.take('pool:sms', 3, 60_000, t + i * 10 - 10), { allowed: true, count: i, resetAt: t + 60_000 });
        assert.deepEqual(await store.limits.take('pool:sms', 3, 60_000, t + 30), { allowed: false, count: 3, resetAt: t + 60_000 });
        assert.deepEqual(await store.limits.take('pool:sms', 3, 60_000, t + 59_999), { allowed: false, count: 3, resetAt: t + 60_000 });
        assert.deepEqual(await store.limits.take('pool:email', 3, 60_000, t + 30), { allowed: true, count: 1, resetAt: t + 60_030 }, 'keys are independent');
        // The next window starts at the first take after this one ended, not at its end.
        assert.deepEqual(await store.limits.take('pool:sms', 3, 60_000, t + 90_000), { allowed: true, count: 1, resetAt: t + 150_000 });
        assert.deepEqual(await store.limits.take('pool:sms', 3, 60_000, t + 90_001), { allowed: true, count: 2, resetAt: t + 150_000 });
        assert.equal((await store.limits.take('pool:none', 0, 60_000, t)).allowed, false);
      });

      it('lets exactly five of 20 parallel takes through', async () => {
        const { ok, errors } = await race(peers, 20, (s) => s.limits.take('race-take', 5, 60_000, t));
        assert.deepEqual(errors, []);
        const allowed = ok.filter((r) => r.allowed);
        assert.deepEqual(allowed.map((r) => r.count).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
        assert.ok(ok.filter((r) => !r.allowed).every((r) => r.count === 5 && r.resetAt === t + 60_000), JSON.stringify(ok));
        assert.deepEqual(await store.limits.take('race-take', 5, 60_000, t + 1), { allowed: false, count: 5, resetAt: t + 60_000 });
      });

      it('lets exactly five of 20 parallel attempts on a key through before the lock', async () => {
        const { ok, errors } = await race(peers, 20, (s) => s.limits.beginAttempt('race-attempt', t, FIVE));
        assert.deepEqual(errors, []);
        const allowed = ok.filter((a) => a.allowed);
        assert.deepEqual(allowed.map((a) => a.failedSignIns).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
        assert.ok(ok.filter((a) => !a.allowed).every((a) => a.failedSignIns === 5 && a.lockedUntil === t + 1000), JSON.stringify(ok));
        assert.deepEqual(await store.limits.beginAttempt('race-attempt', t + 999, FIVE), { allowed: false, failedSignIns: 5, lockedUntil: t + 1000 }, 'refused attempts were not counted');
      });
    });

    describe('outbox, audit and meta', () => {
      it('queues messages and forgets the body once sent', async () => {
        const m = await store.outbox.enqueue({ poolId: P, channel: 'email', to: 'a@example.com', subject: 'Code', body: 'Your code is 123456' }, Date.now());
        assert.ok((await store.outbox.listPending(10)).some((x) => x.id === m.id && x.body.includes('123456')));
        await store.outbox.markSent(m.id, Date.now());
        assert.ok(!(await store.outbox.listPending(10)).some((x) => x.id === m.id));
      });

      it('keeps an audit log, newest first', async () => {
        for (const type of ['sign_in.failure', 'sign_in.failure', 'sign_in.success'])
          await store.audit.record({ poolId: P, time: Date.now(), type, userId: 'u-audit', clientId: 'web', ip: '127.0.0.1', detail: { reason: 'x' } });
        await store.audit.record({ poolId: P, time: Date.now(), type: 'sign_in.success', userId: 'other', clientId: null, ip: null, detail: {} });
        const mine = await store.audit.list(P, { userId: 'u-audit' });
        assert.deepEqual(mine.map((e) => e.type), ['sign_in.success', 'sign_in.failure', 'sign_in.failure']);
        assert.deepEqual(mine[0]!.detail, { reason: 'x' });
        assert.equal((await store.audit.list(P, { type: 'sign_in.success' })).length, 2);
        assert.equal((await store.audit.list(P, { limit: 1 })).length, 1);
      });

      it('keeps the first value written for a key', async () => {
        const { ok } = await race(peers, 10, (s, i) => s.meta.putIfAbsent('admin-key', `v${i}`));
        assert.equal(new Set(ok).size, 1);
        assert.equal(await store.meta.get('admin-key'), ok[0]);
        assert.equal(await store.meta.get('missing'), null);
      });

      it('lists entries by key prefix, taking the prefix literally, and deletes one', async () => {
        for (const key of ['ak:x.1', 'ak:x.2', 'ak:xy', 'ak:x_1', 'ak:%', 'ak;x.3']) await store.meta.putIfAbsent(key, `v-${key}`);
        assert.deepEqual((await store.meta.list('ak:x.')).map((e) => e.key), ['ak:x.1', 'ak:x.2'], '. is no wildcard');
        assert.deepEqual((await store.meta.list('ak:x_')).map((e) => e.key), ['ak:x_1'], '_ is no wildcard');
        assert.deepEqual((await store.meta.list('ak:%')).map((e) => e), [{ key: 'ak:%', value: 'v-ak:%' }], '% is no wildcard');
        assert.equal(await store.meta.delete('ak:x.1'), true);
        assert.equal(await store.meta.delete('ak:x.1'), false);
        assert.deepEqual((await store.meta.list('ak:x.')).map((e) => e.key), ['ak:x.2']);
        // Compare-and-set: of racing callers that expect the same value, exactly one writes.
        const won = (await race(peers, 10, (s, i) => s.meta.replace('ak:x.2', 'v-ak:x.2', `w${i}`))).ok;
        assert.equal(won.filter(Boolean).length, 1);
        assert.match((await store.meta.get('ak:x.2'))!, /^w\d$/);
        assert.equal(await store.meta.replace('ak:missing', 'a', 'b'), false);
      });

      it('withMetaLock makes read-modify-writes on several stores take turns', async () => {
        await store.meta.putIfAbsent('counter', '0');
        // Each bump reads, yields, then writes: without the lock, bumps racing on the peers lose each other.
        const bump = (s: Store) => withMetaLock(s.meta, 'counter', async () => {
          const n = Number(await s.meta.get('counter'));
          await new Promise((r) => setTimeout(r, 2));
          assert.ok(await s.meta.replace('counter', String(n), String(n + 1)));
        });
        await race(peers, 12, (s) => bump(s));
        assert.equal(await store.meta.get('counter'), '12');
        assert.equal(await store.meta.get('lock:counter'), null, 'released');
      });

      it('keeps numbered SAML metadata copies per provider and finds the newest', async () => {
        assert.equal(await store.metadataCopies.latestMetadataCopy(P, 'Corp'), null);
        for (let v = 1; v <= 11; v++) await store.metadataCopies.addMetadataCopy(P, 'Corp', v, `copy ${v}`);
        await store.metadataCopies.addMetadataCopy(P, 'Other', 1, 'other copy');
        assert.deepEqual(await store.metadataCopies.latestMetadataCopy(P, 'Corp'), { version: 11, value: 'copy 11' });
        // Two brokers writing the same next version: the first copy stays.
        await race(peers, 4, (s, i) => s.metadataCopies.addMetadataCopy(P, 'Corp', 12, `peer ${i}`));
        const latest = await store.metadataCopies.latestMetadataCopy(P, 'Corp');
        assert.equal(latest?.version, 12);
        assert.match(latest!.value, /^peer \d$/);
        assert.deepEqual(await store.metadataCopies.latestMetadataCopy(P, 'Other'), { version: 1, value: 'other copy' });
      });
    });

    describe('clean-up and persistence', () => {
      it('purges what has expired and nothing else', async () => {
        const now = Date.now();
        const u = await store.users.createUser(newUser('purge'));
        await store.flows.saveFlow({ kind: 'challenge', stateHash: 'p-old', poolId: P, data: {}, createdAt: now, expiresAt: now - 1 });
        await store.flows.saveFlow({ kind: 'challenge', stateHash: 'p-live', poolId: P, data: {}, createdAt: now, expiresAt: now + HOUR });
        await store.flows.createSession({ idHash: 'p-sess', poolId: P, userId: u.id, authTime: 1, data: {}, createdAt: now, expiresAt: now - 1 });
        assert.ok((await store.purgeExpired(now)) >= 2);
        assert.ok(await store.flows.consumeFlow('challenge', 'p-live', now));
      });

      it('purges limit records that no longer matter, and only those', async () => {
        const now = Date.now();
        await store.purgeExpired(now); // whatever else has expired by now
        const min = 60_000;
        await store.limits.beginAttempt('purge:quiet', now - 16 * min); // last failure past resetAfterMs, never locked
        for (let i = 0; i < 5; i++) await store.limits.beginAttempt('purge:lock-ended', now - 16 * min); // locked for 1 s, long ago
        await store.limits.take('purge:window-ended', 1, min, now - min); // ended exactly at `now`
        await store.limits.beginAttempt('purge:recent', now - 14 * min);
        await store.limits.beginAttempt('purge:boundary', now - 15 * min); // now - last = resetAfterMs: still counts
        for (let i = 0; i < 5; i++) await store.limits.beginAttempt('purge:locked', now);
        await store.limits.take('purge:window-live', 1, min, now - min + 1);
        assert.equal(await store.purgeExpired(now), 3);
        assert.equal(await store.purgeExpired(now), 0);
        assert.equal((await store.limits.beginAttempt('purge:recent', now)).failedSignIns, 2);
        assert.equal((await store.limits.beginAttempt('purge:boundary', now)).failedSignIns, 2);
        assert.equal((await store.limits.beginAttempt('purge:locked', now)).allowed, false);
        assert.equal((await store.limits.take('purge:window-live', 1, min, now)).allowed, false);
        assert.equal((await store.limits.beginAttempt('purge:quiet', now)).failedSignIns, 1);
      });

      it('keeps everything across closing and reopening', async () => {
        const u = await store.users.createUser(newUser('durable', { attributes: { email: 'durable@example.com' }, aliases: [{ kind: 'email', value: 'durable@example.com' }] }));
        const now = Date.now();
        for (let i = 0; i < 5; i++) await store.limits.beginAttempt('durable:name', now);
        await store.limits.take('durable:window', 2, HOUR, now);
        store = await h.reopen();
        peers[0] = store;
        assert.deepEqual(await store.limits.beginAttempt('durable:name', now), { allowed: false, failedSignIns: 5, lockedUntil: now + 1000 });
        assert.deepEqual(await store.limits.take('durable:window', 2, HOUR, now), { allowed: true, count: 2, resetAt: now + HOUR });
        assert.equal((await store.limits.take('durable:window', 2, HOUR, now)).allowed, false);
        assert.deepEqual(await store.users.getUser(P, u.id), u);
        assert.equal((await store.users.findUserByAlias(P, 'email', 'durable@example.com'))?.id, u.id);
        assert.equal((await store.pools.getPool(CS))?.settings.UsernameConfiguration.CaseSensitive, true);
        await store.ping();
      });

      it('keeps the SRP verifier across closing and reopening', async () => {
        const u = await store.users.createUser(newUser('durable-srp', { passwordHash: 'hash-a', srpVerifier: 'sealed:verifier-a' }));
        const v = await store.users.createUser(newUser('durable-srp-changed', { passwordHash: 'hash-b', srpVerifier: 'sealed:verifier-b' }));
        const changed = await store.users.updateUser(P, v.id, { passwordHash: 'hash-c', srpVerifier: 'sealed:verifier-c' });
        const w = await store.users.createUser(newUser('durable-srp-cleared', { passwordHash: 'hash-d', srpVerifier: 'sealed:verifier-d' }));
        const cleared = await store.users.updateUser(P, w.id, { srpVerifier: null });
        store = await h.reopen();
        peers[0] = store;
        assert.deepEqual(await store.users.getUser(P, u.id), u);
        assert.deepEqual(await store.users.getUser(P, v.id), changed);
        assert.equal(changed.srpVerifier, 'sealed:verifier-c');
        assert.deepEqual(await store.users.getUser(P, w.id), cleared);
        assert.equal(cleared.srpVerifier, null);
      });
    });
  });
}
