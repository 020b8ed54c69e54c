import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { noteInputRead, noteUploadedTree } from '../input/read-log.js';
import { memoizedInRun } from '../input/run-memo.js';
import { followedStat, IGNORE_FILE, ignoreFilter } from '../input/source-ignore.js';

/** More entries than a service's source may hold: a bound on the walk (links can multiply a tree). */
export const MAX_SOURCE_ENTRIES = 100_000;

/** A source that cannot be uploaded as it stands: a symbolic link back into itself, or too many files. */
export class SourceTreeError extends Error {}

/**
 * Regular files of a service's source that are uploaded, as sorted POSIX-style relative paths
 * (symlinks are followed). Throws SourceTreeError for a link to a directory that contains it
 * (`ln -s . loop` would make the walk endless) and past MAX_SOURCE_ENTRIES entries.
 */
export function listSourceFiles(dir: string): string[] {
  return memoizedInRun(`listSourceFiles\0${path.resolve(dir)}`, () => walkSource(dir));
}

function walkSource(dir: string): string[] {
  noteUploadedTree(dir);
  const ignored = ignoreFilter(dir, 'service-source');
  const files: string[] = [];
  let entries = 0;
  // real paths of the directories from the root down to the one being read
  const ancestors: string[] = [];
  const walk = (relative: string): void => {
    ancestors.push(realpathSync(path.join(dir, relative)));
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (ignored(child)) continue;
      if (++entries > MAX_SOURCE_ENTRIES) throw new SourceTreeError(`holds more than ${MAX_SOURCE_ENTRIES} files and directories (leave some out in ${IGNORE_FILE})`);
      const target = entry.isSymbolicLink() ? followedStat(path.join(dir, child)) : entry;
      if (target?.isDirectory()) {
        if (entry.isSymbolicLink() && ancestors.includes(realpathSync(path.join(dir, child)))) {
          throw new SourceTreeError(`has a symbolic link ${child} to a directory that contains it, so its files would never end (remove the link or leave it out in ${IGNORE_FILE})`);
        }
        walk(child);
      } else if (target?.isFile()) files.push(child);
    }
    ancestors.pop();
  };
  walk('');
  return files.sort();
}

/** sha256 over the relative paths and contents of every file of the source, in sorted order. */
export function sourceDigest(dir: string): string {
  return memoizedInRun(`sourceDigest\0${path.resolve(dir)}`, () => digestSource(dir));
}

function digestSource(dir: string): string {
  const hash = createHash('sha256');
  for (const file of listSourceFiles(dir)) {
    const content = readFileSync(path.join(dir, file));
    noteInputRead(path.join(dir, file), content);
    // Length-prefixed so that moving bytes between a name and a content changes the digest.
    hash.update(`${file.length}:${file}\0${content.length}:`);
    hash.update(content);
  }
  return hash.digest('hex');
}
