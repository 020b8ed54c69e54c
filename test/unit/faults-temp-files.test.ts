/**
 * The fault tests write inventories, keys and known_hosts files: every one of them goes into the
 * per-file directory of test/faults/helpers.ts, which its after.always hook removes, so /tmp does
 * not fill up with `clamprovision-faults-*` directories.
 */
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { ROOT } from '../run/report.js';
import { avaProject, runAva } from '../helpers/ava-project.js';

const helpers = pathToFileURL(path.join(ROOT, 'test', 'faults', 'helpers.ts')).href;

// Runs the installed ava on a small project of its own (as census-hook.test.ts does): a file whose
// tests write through the helpers, one of them failing, with TMPDIR a directory of this test's own.
test('the temporary files of a fault test file are removed when its tests are done, failed ones too', async (t) => {
  const dir = avaProject({
    't/writes.test.ts': [
      "import test from 'ava';",
      "import { appendFileSync } from 'node:fs';",
      `import { faultsTempDir, writeInventoryFor } from ${JSON.stringify(helpers)};`,
      "const made = (file: string) => appendFileSync('made.txt', `${file}\\n`);",
      "test.serial('writes an inventory', (t) => { made(writeInventoryFor([{ name: 'h1', address: '192.0.2.1' }])); t.pass(); });",
      "test.serial('writes a key, then fails', (t) => { made(faultsTempDir('key')); t.fail('on purpose'); });",
    ].join('\n'),
  });
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  const { code } = await runAva(dir, ['--timeout=5m'], { TMPDIR: tmp });
  t.is(code, 1, 'one test failed on purpose');
  const made = readFileSync(path.join(dir, 'made.txt'), 'utf8').trim().split('\n');
  t.is(made.length, 2, 'both tests wrote');
  for (const file of made) {
    t.true(file.startsWith(`${tmp}/clamprovision-faults-`), file);
    t.false(existsSync(file), `${file} is left behind`);
  }
  t.deepEqual(readdirSync(tmp).filter((name) => name.startsWith('clamprovision-')), [], 'nothing of ours is left in TMPDIR (tsx keeps its cache there)');
});

test('the fault tests make temporary directories only through faultsTempDir', (t) => {
  const faults = path.join(ROOT, 'test', 'faults');
  const offenders = readdirSync(faults)
    .filter((file) => file.endsWith('.ts') && file !== 'helpers.ts')
    .filter((file) => /\bmkdtemp(Sync)?\(|\btmpdir\(\)/.test(readFileSync(path.join(faults, file), 'utf8')));
  t.deepEqual(offenders, [], 'these make a directory that nothing removes');
});
