import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** Entries of a service's source that are never uploaded (VCS data, Python byte code). */
export function isIgnoredSourceEntry(name: string): boolean {
  return name === '.git' || name === '.hg' || name === '.svn' || name === '__pycache__' || name.endsWith('.pyc');
}

/** Regular files below `dir` as sorted POSIX-style relative paths (symlinks are followed). */
export function listSourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      if (isIgnoredSourceEntry(entry.name)) continue;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const target = entry.isSymbolicLink() ? statOrUndefined(path.join(dir, child)) : entry;
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

// A dangling symlink is skipped, as there is nothing to upload.
function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
