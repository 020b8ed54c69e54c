import test from 'ava';

import { ROOT } from '../../run/report.js';
import { avaGlobs, expandGlobs } from '../../run/test-files.js';

test('the census expects the files of package.json\'s ava globs: this file among them, helpers not', (t) => {
  const globs = avaGlobs(ROOT);
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
