// Pools, app clients and identity providers (with their unique IdP identifiers), in SQLite.
import { IdentifierExists, NotFound } from '../errors.js';
import type { PoolStore } from '../store.js';
import type { AppClient, IdentityProvider, Pool } from '../types.js';
import { json, uniqueViolation, type Db } from './db.js';

/** Whether a pool's usernames are case-sensitive (immutable once the pool exists). */
export type PoolCase = (poolId: string) => boolean;

interface Row { settings: string; created_at: number; updated_at: number }

export class SqlitePools implements PoolStore {
  private readonly caseCache = new Map<string, boolean>();

  constructor(private readonly db: Db) {}

  /** Usernames are case-insensitive unless the pool says otherwise; the pool must exist. */
  readonly caseOf: PoolCase = (poolId) => {
    let sensitive = this.caseCache.get(poolId);
    if (sensitive === undefined) {
      const row = this.db.prepare('SELECT settings FROM pools WHERE id = ?').get(poolId) as Row | undefined;
      if (!row) throw new NotFound('ResourceNotFoundException', `User pool ${poolId} does not exist.`);
      sensitive = (JSON.parse(row.settings) as Pool['settings']).UsernameConfiguration?.CaseSensitive === true;
      this.caseCache.set(poolId, sensitive);
    }
    return sensitive;
  };

  async putPool(pool: Omit<Pool, 'createdAt' | 'updatedAt'>): Promise<Pool> {
    const now = Date.now();
    this.db
      .prepare(`INSERT INTO pools (id, settings, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`)
      .run(pool.id, json(pool.settings), now, now);
    this.caseCache.delete(pool.id);
    return (await this.getPool(pool.id))!;
  }

  async getPool(id: string): Promise<Pool | null> {
    const r = this.db.prepare('SELECT * FROM pools WHERE id = ?').get(id) as (Row & { id: string }) | undefined;
    return r ? { id: r.id, settings: JSON.parse(r.settings), createdAt: r.created_at, updatedAt: r.updated_at } : null;
  }

  async listPools(): Promise<Pool[]> {
    const rows = this.db.prepare('SELECT * FROM pools ORDER BY id').all() as (Row & { id: string })[];
    return rows.map((r) => ({ id: r.id, settings: JSON.parse(r.settings), createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async deletePool(id: string): Promise<boolean> {
    const remove = () => this.db.immediate(() => {
      this.db.prepare('DELETE FROM refresh_tokens WHERE family_id IN (SELECT id FROM refresh_families WHERE pool_id = ?)').run(id);
      // Every table that holds a pool_id, found rather than listed so a later table is not forgotten; the audit trail stays.
      const tables = (this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
        .map((t) => t.name)
        .filter((t) => t !== 'audit' && (this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(t) as { name: string }[]).some((c) => c.name === 'pool_id'));
      for (const t of tables) this.db.prepare(`DELETE FROM "${t}" WHERE pool_id = ?`).run(id);
      return this.db.prepare('DELETE FROM pools WHERE id = ?').run(id).changes > 0;
    });
    const deleted = remove();
    this.caseCache.delete(id);
    return deleted;
  }

  async putClient(client: Omit<AppClient, 'createdAt' | 'updatedAt'>): Promise<AppClient> {
    const now = Date.now();
    this.db
      .prepare(`INSERT INTO clients (pool_id, client_id, settings, secret_hash, sealed_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (pool_id, client_id) DO UPDATE SET settings = excluded.settings, secret_hash = excluded.secret_hash,
                sealed_secret = excluded.sealed_secret, updated_at = excluded.updated_at`)
      .run(client.poolId, client.clientId, json(client.settings), client.secretHash, client.sealedSecret, now, now);
    return (await this.getClient(client.poolId, client.clientId))!;
  }

  private toClient = (r: Row & { pool_id: string; client_id: string; secret_hash: string | null; sealed_secret: string | null }): AppClient => ({
    poolId: r.pool_id, clientId: r.client_id, settings: JSON.parse(r.settings), secretHash: r.secret_hash, sealedSecret: r.sealed_secret,
    createdAt: r.created_at, updatedAt: r.updated_at,
  });

  async getClient(poolId: string, clientId: string): Promise<AppClient | null> {
    const r = this.db.prepare('SELECT * FROM clients WHERE pool_id = ? AND client_id = ?').get(poolId, clientId);
    return r ? this.toClient(r as never) : null;
  }

  async listClients(poolId: string): Promise<AppClient[]> {
    return (this.db.prepare('SELECT * FROM clients WHERE pool_id = ? ORDER BY client_id').all(poolId) as never[]).map(this.toClient);
  }

  async findClientsById(clientId: string): Promise<AppClient[]> {
    return (this.db.prepare('SELECT * FROM clients WHERE client_id = ? ORDER BY pool_id').all(clientId) as never[]).map(this.toClient);
  }

  async deleteClient(poolId: string, clientId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM clients WHERE pool_id = ? AND client_id = ?').run(poolId, clientId).changes > 0;
  }

  async putProvider(provider: Omit<IdentityProvider, 'createdAt' | 'updatedAt'>): Promise<IdentityProvider> {
    const now = Date.now();
    const put = () => this.db.immediate(() => {
      this.db
        .prepare(`INSERT INTO providers (pool_id, name, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                  ON CONFLICT (pool_id, name) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`)
        .run(provider.poolId, provider.name, json(provider.settings), now, now);
      this.db.prepare('DELETE FROM idp_identifiers WHERE pool_id = ? AND provider_name = ?').run(provider.poolId, provider.name);
      for (const id of provider.settings.IdpIdentifiers ?? []) {
        try {
          this.db.prepare('INSERT INTO idp_identifiers (pool_id, identifier_key, provider_name) VALUES (?, ?, ?)')
            .run(provider.poolId, id.toLowerCase(), provider.name);
        } catch (err) {
          if (uniqueViolation(err) !== null) throw new IdentifierExists(id);
          throw err;
        }
      }
    });
    put();
    return (await this.getProvider(provider.poolId, provider.name))!;
  }

  private toProvider = (r: Row & { pool_id: string; name: string }): IdentityProvider => ({
    poolId: r.pool_id, name: r.name, settings: JSON.parse(r.settings), createdAt: r.created_at, updatedAt: r.updated_at,
  });

  async getProvider(poolId: string, name: string): Promise<IdentityProvider | null> {
    const r = this.db.prepare('SELECT * FROM providers WHERE pool_id = ? AND name = ?').get(poolId, name);
    return r ? this.toProvider(r as never) : null;
  }

  async listProviders(poolId: string): Promise<IdentityProvider[]> {
    return (this.db.prepare('SELECT * FROM providers WHERE pool_id = ? ORDER BY name').all(poolId) as never[]).map(this.toProvider);
  }

  async findProviderByIdentifier(poolId: string, identifier: string): Promise<IdentityProvider | null> {
    const r = this.db
      .prepare(`SELECT p.* FROM idp_identifiers i JOIN providers p ON p.pool_id = i.pool_id AND p.name = i.provider_name
                WHERE i.pool_id = ? AND i.identifier_key = ?`)
      .get(poolId, identifier.toLowerCase());
    return r ? this.toProvider(r as never) : null;
  }

  async deleteProvider(poolId: string, name: string): Promise<boolean> {
    const remove = () => this.db.immediate(() => {
      this.db.prepare('DELETE FROM idp_identifiers WHERE pool_id = ? AND provider_name = ?').run(poolId, name);
      return this.db.prepare('DELETE FROM providers WHERE pool_id = ? AND name = ?').run(poolId, name).changes > 0;
    });
    return remove();
  }
}
