/**
 * The lab tests write inventories, keys, sources and known_hosts files: every one of them goes into
 * the per-file directory of test/helpers/temp-dir.ts, which its after.always hook removes, so /tmp
 * does not fill up with `clamprovision-*` directories.
 */
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { ROOT } from '../run/report.js';
import { avaProject, runAva } from '../helpers/ava-project.js';

const faultsHelpers = pathToFileURL(path.join(ROOT, 'test', 'faults', 'helpers.ts')).href;
const tempDirHelper = pathToFileURL(path.join(ROOT, 'test', 'helpers', 'temp-dir.ts')).href;
const LAB_TEST_DIRS = ['faults', 'e2e', 'integration'];

// Runs the installed ava on a small project of its own (as census-hook.test.ts does): a file whose
// tests write through the helpers, one of them failing, with TMPDIR a directory of this test's own.
test('the temporary files of a lab test file are removed when its tests are done, failed ones too', async (t) => {
  const dir = avaProject({
    't/writes.test.ts': [
      "import test from 'ava';",
      "import { appendFileSync } from 'node:fs';",
      `import { faultsTempDir, writeInventoryFor } from ${JSON.stringify(faultsHelpers)};`,
      `import { testTempDir } from ${JSON.stringify(tempDirHelper)};`,
      "const made = (file: string) => appendFileSync('made.txt', `${file}\\n`);",
      "test.serial('writes an inventory', (t) => { made(writeInventoryFor([{ name: 'h1', address: '192.0.2.1' }])); t.pass(); });",
      "test.serial('writes a key, then fails', (t) => { made(faultsTempDir('key')); t.fail('on purpose'); });",
      "test.serial('writes a source', (t) => { made(testTempDir('source')); t.pass(); });",
    ].join('\n'),
  });
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  const { code } = await runAva(dir, ['--timeout=5m'], { TMPDIR: tmp });
  t.is(code, 1, 'one test failed on purpose');
  const made = readFileSync(path.join(dir, 'made.txt'), 'utf8').trim().split('\n');
  t.is(made.length, 3, 'every test wrote');
  for (const file of made) {
    t.true(file.startsWith(`${tmp}/clamprovision-test-`), file);
    t.false(existsSync(file), `${file} is left behind`);
  }
  t.deepEqual(readdirSync(tmp).filter((name) => name.startsWith('clamprovision-')), [], 'nothing of ours is left in TMPDIR (tsx keeps its cache there)');
});

test('the lab tests make temporary directories only through testTempDir', (t) => {
  const offenders = LAB_TEST_DIRS.flatMap((dir) =>
    readdirSync(path.join(ROOT, 'test', dir))
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /\bmkdtemp(Sync)?\(|\btmpdir\(\)/.test(readFileSync(path.join(ROOT, 'test', dir, file), 'utf8')))
      .map((file) => `test/${dir}/${file}`),
  );
  t.deepEqual(offenders, [], 'these make a directory that nothing removes');
});
