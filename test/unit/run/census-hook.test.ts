import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { report, ROOT, startRun } from '../../run/report.js';
import { avaProject, runAva } from '../../helpers/ava-project.js';

// The census hook leans on ava internals (its worker messages, lib/worker/options.cjs): this runs the
// installed ava on a small project of its own, with the hook, as test/run-tests.ts does.
test('census hook: ava\'s workers record their selected tests; a failed before hook is named, a clean file is not', async (t) => {
  const dir = avaProject({
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
  const results = path.join(dir, 'results');
  const run = startRun(results, '1-unit', ['t/hook.test.ts', 't/ok.test.ts']);
  const hook = pathToFileURL(path.join(ROOT, 'test', 'run', 'census-hook.mjs')).href;
  const { tap } = await runAva(dir, [`--node-arguments=--import=${hook}`], { CLAMPROVISION_CENSUS_DIR: run.censusDir });
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
