/**
 * The test files a run should have run: ava's globs from ava.config.mjs, which test/run-tests.ts
 * also hands to ava. Only the one glob shape used there (`DIR/**\/*SUFFIX`) is understood;
 * any other throws, so a new shape is noticed rather than matching nothing.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function avaGlobs(root: string): Promise<string[]> {
  const config = (await import(pathToFileURL(join(root, 'ava.config.mjs')).href)) as { files?: unknown };
  const files = config.files;
  if (!Array.isArray(files) || !files.every((f): f is string => typeof f === 'string')) {
    throw new Error('ava.config.mjs: `files` is not a list of globs');
  }
  return files;
}

/** Files matching the globs, relative to root with `/`, sorted. */
export function expandGlobs(root: string, globs: readonly string[]): string[] {
  const found = new Set<string>();
  for (const glob of globs) {
    const shape = /^([^*?[\]{}!]+)\/\*\*\/\*([^*?[\]{}/]+)$/.exec(glob);
    if (!shape) throw new Error(`test-files: glob of an unknown shape: ${glob}`);
    const [, dir = '', suffix = ''] = shape;
    for (const file of walk(join(root, dir))) {
      if (file.endsWith(suffix)) found.add(relative(root, file).split('\\').join('/'));
    }
  }
  return [...found].sort();
}

function* walk(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    // ava never looks into node_modules or hidden directories either
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}
