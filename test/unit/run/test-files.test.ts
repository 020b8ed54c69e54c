import test from 'ava';

import { ROOT } from '../../run/report.js';
import { avaGlobs, expandGlobs } from '../../run/test-files.js';

test('the census expects the files of ava.config.mjs\'s globs: this file among them, helpers not', async (t) => {
  const globs = await avaGlobs(ROOT);
  t.true(globs.some((g) => g.startsWith('test/unit/')), globs.join(' '));
  t.true(globs.some((g) => !g.startsWith('test/unit/')), 'run-tests.ts runs the unit globs first, then the others');
  const files = expandGlobs(ROOT, globs);
  t.true(files.includes('test/unit/run/test-files.test.ts'));
  t.true(files.includes('test/integration/runner.test.ts'));
  t.false(files.some((f) => !f.endsWith('.test.ts')), files.filter((f) => !f.endsWith('.test.ts')).join(' '));
});

test('a glob of another shape is refused rather than matching nothing', (t) => {
  t.throws(() => expandGlobs(ROOT, ['test/unit/*.test.ts']), { message: /unknown shape/ });
  t.throws(() => expandGlobs(ROOT, ['test/{unit,e2e}/**/*.test.ts']), { message: /unknown shape/ });
});

test('the longest lab files start first, each of them exists (a renamed one would silently lose its place)', async (t) => {
  const configFile = '../../../ava.config.mjs';
  const config = (await import(configFile)) as { LONGEST_FIRST: string[]; default: { sortTestFiles: (a: string, b: string) => number } };
  const files = expandGlobs(ROOT, await avaGlobs(ROOT)).filter((f) => !f.startsWith('test/unit/'));
  const sorted = [...files].sort(config.default.sortTestFiles);
  t.is(sorted[0], 'test/e2e/zero-downtime.test.ts');
  t.true(sorted.indexOf('test/e2e/clam-nginx.test.ts') < sorted.indexOf('test/e2e/apache-wsgi.test.ts'));
  for (const name of config.LONGEST_FIRST) t.true(files.includes(name), `${name} in ava.config.mjs does not exist`);
});
