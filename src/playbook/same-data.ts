/**
 * Whether two values are the same data, as far as a cheap walk can tell: primitives by Object.is,
 * arrays item by item, plain objects (same prototype) key by key in the same order. Anything else
 * (a Buffer, a Date, a class instance) is the same only when it is the very same object. Stricter
 * than util.isDeepStrictEqual, never looser: a memo keyed by it misses at worst, and is several
 * times cheaper on the arguments of a task (where most of the time goes on the first difference).
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && sameList(a, b);
  if (Array.isArray(b) || !isPlainObject(a) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || !isPlainObject(b)) return false;
  return sameRecord(a as Record<string, unknown>, b as Record<string, unknown>);
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    // a hole is not the same as an undefined item
    if (!(i in a) || !(i in b) || !sameData(a[i], b[i])) return false;
  }
  return Object.keys(a).length === a.length && Object.keys(b).length === b.length;
}

function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== other[i] || !sameData(a[key], b[key])) return false;
  }
  return Object.getOwnPropertySymbols(a).length === 0 && Object.getOwnPropertySymbols(b).length === 0;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
