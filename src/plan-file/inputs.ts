import path from 'node:path';
import { PACKAGE_ROOT } from '../core/package-root.js';

/** A local file a plan was made from, and the sha256 of its content then. */
export interface InputHash {
  path: string;
  sha256: string;
}

export const PACKAGE_PREFIX = 'clamprovision:';

/**
 * How a plan names a file it read: clamprovision's own files as `clamprovision:templates/…`, the
 * others relative to the working directory (apply a plan from the directory it was made in, as
 * with `terraform apply PLANFILE`), always with '/'.
 */
export function inputName(file: string, cwd: string = process.cwd()): string {
  const own = path.relative(PACKAGE_ROOT, file);
  const name = own.startsWith('..') || path.isAbsolute(own) ? path.relative(cwd, file) : PACKAGE_PREFIX + own;
  return name.split(path.sep).join('/');
}

/** The files a run read (absolute path -> sha256), named and sorted as a plan keeps them. */
export function inputHashes(reads: ReadonlyMap<string, string>, cwd?: string): InputHash[] {
  return [...reads]
    .map(([file, sha256]) => ({ path: inputName(file, cwd), sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What differs between the inputs of a plan and those read now, one line each; [] when nothing. */
export function inputChanges(planned: readonly InputHash[], now: readonly InputHash[]): string[] {
  const before = new Map(planned.map((input) => [input.path, input.sha256]));
  const after = new Map(now.map((input) => [input.path, input.sha256]));
  const changes: string[] = [];
  for (const [file, sha256] of before) {
    const current = after.get(file);
    if (current === undefined) changes.push(`${file}: no longer read (removed, or left out of the run)`);
    else if (current !== sha256) changes.push(`${file}: changed`);
  }
  for (const file of after.keys()) if (!before.has(file)) changes.push(`${file}: new (read now, not when the plan was made)`);
  return changes;
}
