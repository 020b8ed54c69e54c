/**
 * The temporary files of a test file: each directory is made inside one `clamprovision-test-*`
 * directory per test file (ava runs each file in a process of its own), removed when the file's
 * tests are done, passed or failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

let fileTempDir: string | undefined;

/** A new directory NAME-XXXXXX for files a test writes (inventories, keys, sources). */
export function testTempDir(name: string): string {
  fileTempDir ??= mkdtempSync(join(tmpdir(), 'clamprovision-test-'));
  return mkdtempSync(join(fileTempDir, `${name}-`));
}

test.after.always('remove the temporary files of this test file', () => {
  if (fileTempDir) rmSync(fileTempDir, { recursive: true, force: true });
  fileTempDir = undefined;
});
