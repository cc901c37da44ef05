// The stores a flow test runs its broker on: SQLite always, and MongoDB too when MONGODB_URI is set (as
// CI sets it), each run in a database of its own. Each entry: the store's name and the broker env for it.
import { randomBytes } from 'node:crypto';

export function storesUnderTest(prefix: string): [string, Record<string, string>][] {
  const stores: [string, Record<string, string>][] = [['SQLite', {}]];
  const mongo = process.env.MONGODB_URI;
  if (mongo) {
    const uri = new URL(mongo);
    uri.pathname = `/${prefix}_${randomBytes(4).toString('hex')}`;
    stores.push(['MongoDB', { MONGODB_URI: uri.toString() }]);
  }
  return stores;
}
