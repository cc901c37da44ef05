// The few Reflect metadata functions tsyringe (under @peculiar/x509) asks for at load time, for want
// of a polyfill package. Imported before @peculiar/x509; leaves a real polyfill alone if one is loaded.

type Key = string | symbol | undefined;
const tables = new WeakMap<object, Map<Key, Map<unknown, unknown>>>();

function own(target: object, property: Key, create: boolean): Map<unknown, unknown> | undefined {
  let byProperty = tables.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    tables.set(target, byProperty);
  }
  let table = byProperty.get(property);
  if (!table && create) {
    table = new Map();
    byProperty.set(property, table);
  }
  return table;
}

function lookup(key: unknown, target: object, property?: Key): unknown {
  for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
    const table = own(t, property, false);
    if (table?.has(key)) return table.get(key);
  }
  return undefined;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  Object.assign(R, {
    defineMetadata: (key: unknown, value: unknown, target: object, property?: Key) => void own(target, property, true)!.set(key, value),
    getOwnMetadata: (key: unknown, target: object, property?: Key) => own(target, property, false)?.get(key),
    getMetadata: lookup,
    hasOwnMetadata: (key: unknown, target: object, property?: Key) => own(target, property, false)?.has(key) ?? false,
    hasMetadata: (key: unknown, target: object, property?: Key) => lookup(key, target, property) !== undefined,
    metadata: (key: unknown, value: unknown) => (target: object, property?: Key) => void own(target, property, true)!.set(key, value),
  });
}
