// The keys that sign management calls: the management key pair (admin-key.ts), which may do anything,
// and the keys operators add (`npm run admin -- create-access-key`), each limited by a policy
// (policy.ts). A key's secret is needed to recompute signatures, so it is sealed at rest (never hashed),
// shown once at creation and never logged; the store holds one meta entry a key.
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import { newKeyPair, type AdminKey } from './admin-key.js';
import { parsePolicy, type Policy } from './policy.js';

const PREFIX = 'access-key:';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** null: the management key pair, allowed everything. */
  policy: Policy | null;
  description: string;
  createdAt: number;
}

/** What a listing shows of a key: never its secret. */
export type AccessKeySummary = Omit<AccessKey, 'secretAccessKey'>;

interface Stored {
  secretAccessKey: string;
  policy: unknown;
  description: string;
  createdAt: number;
}

export class AccessKeys {
  constructor(
    private readonly store: Pick<Store, 'meta'>,
    private readonly sealer: Sealer,
    private readonly admin: AdminKey | null,
  ) {}

  /** The key with that id, or null for an unknown one. */
  async find(accessKeyId: string): Promise<AccessKey | null> {
    if (this.admin && accessKeyId === this.admin.accessKeyId) return { ...this.admin, policy: null, description: 'management key pair', createdAt: 0 };
    if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) return null;
    const sealed = await this.store.meta.get(PREFIX + accessKeyId);
    if (!sealed) return null;
    const s = JSON.parse(this.sealer.unseal(sealed)) as Stored;
    return { accessKeyId, secretAccessKey: s.secretAccessKey, policy: parsePolicy(s.policy), description: s.description, createdAt: s.createdAt };
  }

  /** A new key limited by `policy` (validated first); the answer is the only time its secret is shown. */
  async create(policy: unknown, description: string, now: number): Promise<AccessKey> {
    const parsed = parsePolicy(policy);
    const key: AccessKey = { ...newKeyPair(), policy: parsed, description, createdAt: now };
    const stored: Stored = { secretAccessKey: key.secretAccessKey, policy: parsed, description, createdAt: now };
    await this.store.meta.putIfAbsent(PREFIX + key.accessKeyId, this.sealer.seal(JSON.stringify(stored)));
    return key;
  }

  async list(): Promise<AccessKeySummary[]> {
    const rows = await this.store.meta.list(PREFIX);
    return rows.map((r) => {
      const s = JSON.parse(this.sealer.unseal(r.value)) as Stored;
      return { accessKeyId: r.key.slice(PREFIX.length), policy: s.policy as Policy, description: s.description, createdAt: s.createdAt };
    });
  }

  /** Ends a key at once, on every broker sharing the store. */
  async delete(accessKeyId: string): Promise<boolean> {
    return this.store.meta.delete(PREFIX + accessKeyId);
  }
}
