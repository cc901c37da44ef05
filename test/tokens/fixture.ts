// A real SQLite store in a temporary directory, with a pool, app clients and a user to mint for.
import { clientSchema, poolSchema } from '../../src/directory/schema.js';
import { Sealer } from '../../src/directory/secrets.js';
import { tempSqlite } from '../support/temp-sqlite.js';
import type { Store } from '../../src/directory/store.js';
import type { AppClient, Pool, User } from '../../src/directory/types.js';
import { KeyRing } from '../../src/tokens/keys.js';
import type { TokenSubject } from '../../src/tokens/claims.js';

export const POOL = 'test_Tokens1';
export const OTHER_POOL = 'test_Other1';
export const PUBLIC_URL = 'https://broker.example.test';
export const ISSUER = `${PUBLIC_URL}/${POOL}`;

export interface Fixture {
  store: Store;
  sealer: Sealer;
  ring: KeyRing;
  pool: Pool;
  otherPool: Pool;
  client: AppClient;
  user: User;
  /** Opens another store on the same file (another process, as far as caches go). */
  peer(): Store;
  subject(extra?: Partial<TokenSubject>): TokenSubject;
  cleanup(): Promise<void>;
}

export async function putClient(store: Store, poolId: string, settings: Record<string, unknown>): Promise<AppClient> {
  const { ClientSecret: _secret, ...parsed } = clientSchema.parse({ CallbackURLs: ['https://app.example.test/cb'], ...settings });
  return store.pools.putClient({ poolId, clientId: parsed.ClientId, settings: parsed, secretHash: null, sealedSecret: null });
}

export async function openFixture(): Promise<Fixture> {
  const db = tempSqlite('tokens');
  const open = db.open;
  const store = open();
  const sealer = new Sealer('test key secret');
  const pool = await store.pools.putPool({ id: POOL, settings: poolSchema.parse({ Id: POOL, PoolName: 'tokens' }) });
  const otherPool = await store.pools.putPool({ id: OTHER_POOL, settings: poolSchema.parse({ Id: OTHER_POOL, PoolName: 'other' }) });
  const client = await putClient(store, POOL, { ClientId: 'web' });
  const user = await store.users.createUser({
    poolId: POOL,
    username: 'alice',
    status: 'CONFIRMED',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    attributes: {
      email: 'alice@example.test',
      email_verified: 'true',
      phone_number: '+15555550100',
      phone_number_verified: 'false',
      name: 'Alice Liddell',
      'custom:department': 'tea',
      'custom:level': '7',
    },
  });
  return {
    store, sealer, pool, otherPool, client, user,
    ring: new KeyRing(store, sealer),
    peer: open,
    subject: (extra = {}) => ({
      issuer: ISSUER, pool, client, user, groups: ['admins', 'staff'], identities: [], scopes: ['openid', 'email', 'profile'],
      authTime: 1_700_000_000, originJti: '0b7c7f3e-2d4e-4a55-9a53-2a0c2f8c4f11', nonce: 'n-0S6_WzA2Mj', ...extra,
    }),
    async cleanup() {
      await db.cleanup();
    },
  };
}
