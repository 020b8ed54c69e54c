import { readFileSync, statSync } from 'node:fs';
import { memoizedInRun } from './run-memo.js';

/**
 * Questions about local files that every host of a run asks again (is the template there, is the
 * source a directory, does the WSGI script import CLAM), answered once per run (see run-memo.ts):
 * `validate` of 1,000 hosts otherwise made 1,000 times the same system calls.
 */
export type PathKind = 'file' | 'directory' | 'other' | 'missing';

/** What `file` is, following symbolic links (as existsSync and statSync do); 'missing' when it cannot be seen. */
export function pathKind(file: string): PathKind {
  return memoizedInRun(`pathKind\0${file}`, () => {
    try {
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat) return 'missing';
      return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
    } catch {
      return 'missing';
    }
  });
}

export function pathExists(file: string): boolean {
  return pathKind(file) !== 'missing';
}

/** A small local file's text, or undefined when it cannot be read. */
export function localText(file: string): string | undefined {
  return memoizedInRun(`localText\0${file}`, () => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  });
}
