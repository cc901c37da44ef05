// @peculiar/x509 loads tsyringe, which refuses to load unless `Reflect.getMetadata` exists. This is
// the handful of Reflect metadata functions it uses, installed only when no polyfill is loaded yet
// (the broker's src/saml has its own; whichever loads first wins, and both behave the same).
// Import it before @peculiar/x509.

type Key = string | symbol | undefined;
const tables = new WeakMap<object, Map<Key, Map<unknown, unknown>>>();

function table(target: object, property: Key, create: boolean): Map<unknown, unknown> | undefined {
  let byProperty = tables.get(target);
  if (!byProperty && create) tables.set(target, (byProperty = new Map()));
  let t = byProperty?.get(property);
  if (!t && create) byProperty!.set(property, (t = new Map()));
  return t;
}

function lookup(key: unknown, target: object, property?: Key): unknown {
  for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
    const own = table(t, property, false);
    if (own?.has(key)) return own.get(key);
  }
  return undefined;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  Object.assign(R, {
    defineMetadata: (key: unknown, value: unknown, target: object, property?: Key) => void table(target, property, true)!.set(key, value),
    getOwnMetadata: (key: unknown, target: object, property?: Key) => table(target, property, false)?.get(key),
    getMetadata: lookup,
    hasOwnMetadata: (key: unknown, target: object, property?: Key) => table(target, property, false)?.has(key) ?? false,
    hasMetadata: (key: unknown, target: object, property?: Key) => lookup(key, target, property) !== undefined,
    metadata: (key: unknown, value: unknown) => (target: object, property?: Key) => void table(target, property, true)!.set(key, value),
  });
}
