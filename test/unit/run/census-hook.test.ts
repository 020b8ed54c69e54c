import test from 'ava';
import { spawn } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { report, ROOT, startRun } from '../../run/report.js';
import { tempTree } from '../input/temp-files.js';

// The census hook leans on ava internals (its worker messages, lib/worker/options.cjs): this runs the
// installed ava on a small project of its own, with the hook, as test/run-tests.ts does.
test('census hook: ava\'s workers record their selected tests; a failed before hook is named, a clean file is not', async (t) => {
  const dir = tempTree({
    'package.json': JSON.stringify({
      type: 'module',
      ava: { files: ['t/**/*.test.ts'], extensions: { ts: 'module' }, nodeArguments: ['--import=tsx'], workerThreads: false },
    }),
    't/hook.test.ts': [
      "import test from 'ava';",
      "test.before(() => { throw new Error('before boom'); });",
      "test('dropped one', (t) => t.pass());",
      "test('dropped two', (t) => t.pass());",
    ].join('\n'),
    't/ok.test.ts': [
      "import test from 'ava';",
      "test('fine', (t) => t.pass());",
      "test.skip('skipped: no reason needed here', (t) => t.pass());",
    ].join('\n'),
  });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const results = path.join(dir, 'results');
  const run = startRun(results, '1-unit', ['t/hook.test.ts', 't/ok.test.ts']);
  const hook = pathToFileURL(path.join(ROOT, 'test', 'run', 'census-hook.ts')).href;
  const tap = await new Promise<string>((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'ava'), ['--tap', `--node-arguments=--import=${hook}`], {
      cwd: dir,
      env: { ...process.env, CLAMPROVISION_CENSUS_DIR: run.censusDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  writeFileSync(run.tap, tap);

  const result = report(results, dir);
  t.deepEqual(result.problems, [
    '1-unit: t/hook.test.ts: 2 of 2 tests have no result (a failed before hook, a crash or an exit stopped them): "dropped one", "dropped two"',
  ]);
  // the hook's own "not ok" and the two dropped tests
  t.deepEqual(result.counts, { passed: 1, failed: 3, skipped: 1, todo: 0 });
  t.is(result.lines.at(-1), '1 passed, 3 failed, 1 skipped');
  t.false(result.ok);
});
