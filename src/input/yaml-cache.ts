import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controllerCacheDir } from '../core/cache-dir.js';
import { fromCacheable, toCacheable } from './yaml-source.js';

/**
 * A cache of parsed YAML files, with their positions: the built-in playbook's 500 lines took a third
 * of a `validate` to parse with cold code, JSON.parse takes a few milliseconds. In the controller's
 * cache directory (yaml/), one file per (path, content, parser): a key from the file's path and
 * text, the options and this program's code (its size and time), so an edit or another build of
 * clamprovision parses again. Never for text with Ansible Vault in it: only what the file says in
 * the clear is kept. Any trouble with the cache (unwritable, a damaged entry) means parsing as
 * without it.
 */

/** Entries kept: past this, the older half goes. */
const MAX_ENTRIES = 256;
const FORMAT = 1;

const CODE_STAMP = (() => {
  try {
    const stat = statSync(fileURLToPath(import.meta.url));
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'unknown';
  }
})();

export function cachedYamlParse(text: string, file: string, options: object, parse: () => unknown, directory = join(controllerCacheDir(), 'yaml')): unknown {
  const key = createHash('sha256').update(JSON.stringify([FORMAT, CODE_STAMP, file, options])).update('\0').update(text).digest('hex');
  const entry = join(directory, `${key}.json`);
  try {
    return fromCacheable(JSON.parse(readFileSync(entry, 'utf8')), file);
  } catch {
    // not cached yet (or damaged): parse
  }
  const value = parse();
  const data = toCacheable(value, file);
  if (data !== undefined) store(directory, entry, JSON.stringify(data));
  return value;
}

function store(directory: string, entry: string, json: string): void {
  try {
    mkdirSync(directory, { recursive: true });
    const temporary = `${entry}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temporary, json);
    renameSync(temporary, entry);
    prune(directory);
  } catch {
    // a cache that cannot be written is no cache: the next run parses again
  }
}

function prune(directory: string): void {
  const names = readdirSync(directory).filter((name) => name.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const byAge = names.map((name) => ({ name, mtime: statSync(join(directory, name)).mtimeMs })).sort((a, b) => a.mtime - b.mtime);
  for (const { name } of byAge.slice(0, byAge.length - MAX_ENTRIES / 2)) rmSync(join(directory, name), { force: true });
}
