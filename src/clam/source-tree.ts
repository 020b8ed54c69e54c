import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { followedStat, ignoreFilter } from '../input/source-ignore.js';

/** Regular files of a service's source that are uploaded, as sorted POSIX-style relative paths (symlinks are followed). */
export function listSourceFiles(dir: string): string[] {
  const ignored = ignoreFilter(dir, 'service-source');
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (ignored(child)) continue;
      const target = entry.isSymbolicLink() ? followedStat(path.join(dir, child)) : entry;
      if (target?.isDirectory()) walk(child);
      else if (target?.isFile()) files.push(child);
    }
  };
  walk('');
  return files.sort();
}

/** sha256 over the relative paths and contents of every file of the source, in sorted order. */
export function sourceDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const file of listSourceFiles(dir)) {
    const content = readFileSync(path.join(dir, file));
    // Length-prefixed so that moving bytes between a name and a content changes the digest.
    hash.update(`${file.length}:${file}\0${content.length}:`);
    hash.update(content);
  }
  return hash.digest('hex');
}
