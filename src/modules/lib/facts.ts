import type { FileFact } from '../../facts/types.js';

/** A fact plan() needs but the engine did not gather: a bug in a module's facts(), not bad input. */
export function needFact<K, V>(map: Map<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`internal error: the ${what} fact for ${String(key)} was not gathered`);
  return value;
}

export function describeFileType(fact: FileFact): string {
  if (!fact.exists) return 'missing';
  return fact.type === 'file' ? 'a regular file' : fact.type === 'directory' ? 'a directory' : fact.type === 'link' ? 'a symbolic link' : 'a special file';
}
