import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkCensus, commonPathPrefix, tapNames, type CensusRecord } from '../../run/census.js';
import { countPoints, formatCounts, parseTap, todoLine } from '../../run/tap-summary.js';

// Real ava 7 --tap outputs (paths shortened to /project), with the records its workers made
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'tap');
const tapSample = (name: string) => parseTap(readFileSync(path.join(FIXTURES, `${name}.tap`), 'utf8'));
const ROOT = '/project';

function records(file: string, titles: Array<string | { title: string; skip?: boolean; todo?: boolean }>): CensusRecord[] {
  return titles.map((entry) => {
    const { title, skip = false, todo = false } = typeof entry === 'string' ? { title: entry } : entry;
    return { kind: 'test', file: `${ROOT}/${file}`, title, skip, todo };
  });
}

test('two files: a skip, a todo, a failure and "#" inside a title are counted once each, in their kind', (t) => {
  const tap = tapSample('two-files');
  t.true(tap.complete);
  t.deepEqual(countPoints(tap.points), { passed: 3, failed: 1, skipped: 1, todo: 1 });
  t.is(formatCounts(countPoints(tap.points)), '3 passed, 1 failed, 1 skipped');
  t.is(todoLine(countPoints(tap.points)), '1 todo (test.todo: written down, not yet a test)');
  t.true(tap.points.some((p) => p.ok && p.name === 'sub › nested › quotes; $, %, # and ; stay as they are'));
});

test('the summary line starts with "N passed, N failed" and always says how many were skipped', (t) => {
  t.is(formatCounts({ passed: 5, failed: 0, skipped: 0, todo: 0 }), '5 passed, 0 failed, 0 skipped');
  // the line CI reads: nothing may follow "N skipped"
  t.is(formatCounts({ passed: 1, failed: 2, skipped: 3, todo: 4 }), '1 passed, 2 failed, 3 skipped');
});

test('census of a complete run: every selected test has its result, nothing to report', (t) => {
  const census = checkCensus({
    root: ROOT,
    tap: tapSample('two-files'),
    expectedFiles: ['t/ok.test.ts', 't/sub/nested.test.ts'],
    records: [
      ...records('t/sub/nested.test.ts', [
        'quotes; $, %, # and ; stay as they are',
        'fails on purpose',
        { title: 'needs python3', skip: true },
        { title: 'some day', todo: true },
      ]),
      ...records('t/ok.test.ts', ['fine', 'fine 2']),
    ],
  });
  t.deepEqual(census, { problems: [], failures: 0, files: 2, tests: 6 });
});

test('census: a failed before hook leaves its tests without a result, which fails the run naming the file', (t) => {
  const tap = tapSample('before-hook');
  // ava reports the hook as one failure and drops a and b: a count alone would read 2 passed, 1 failed
  t.deepEqual(countPoints(tap.points), { passed: 2, failed: 1, skipped: 1, todo: 1 });
  const census = checkCensus({
    root: ROOT,
    tap,
    expectedFiles: ['t/hook.test.ts', 't/ok.test.ts'],
    records: [
      ...records('t/hook.test.ts', ['a # with hash', 'b', { title: 'c skipped', skip: true }, { title: 'd todo', todo: true }]),
      ...records('t/ok.test.ts', ['fine', 'fine 2']),
    ],
  });
  t.is(census.failures, 2);
  t.is(census.problems.length, 1);
  t.regex(census.problems[0] ?? '', /^t\/hook\.test\.ts: 2 of 4 tests have no result .*"a # with hash", "b"$/);
});

test('census: a process.exit() cuts the TAP stream; the file that exited and the files cut off are named', (t) => {
  const tap = tapSample('process-exit');
  t.false(tap.complete);
  const census = checkCensus({
    root: ROOT,
    tap,
    expectedFiles: ['t/exit.test.ts', 't/ok.test.ts'],
    records: [
      ...records('t/exit.test.ts', ['first', 'exits', 'after exit']),
      { kind: 'process-exit', file: `${ROOT}/t/exit.test.ts` },
    ],
  });
  t.deepEqual(census.problems, [
    'the TAP output stopped before its closing plan: ava did not get to the end of the run',
    't/exit.test.ts: a test called process.exit(), which stops the file and ava\'s TAP output',
    't/exit.test.ts: 2 of 3 tests have no result (a failed before hook, a crash or an exit stopped them): "exits", "after exit"',
    't/ok.test.ts: did not run (no test of it was selected: it did not load, or ava did not start it)',
  ]);
  t.is(census.failures, 3);
});

test('census: a title with a SKIP directive after its "#" reads as a skip in TAP; the census catches it and says why', (t) => {
  const tap = tapSample('directive-title');
  t.deepEqual(countPoints(tap.points), { passed: 2, failed: 0, skipped: 1, todo: 0 });
  const census = checkCensus({
    root: ROOT,
    tap,
    expectedFiles: ['t/ok.test.ts', 't/two.test.ts'],
    records: [...records('t/ok.test.ts', ['fine # SKIP not really', 'fine 2']), ...records('t/two.test.ts', ['other'])],
  });
  t.is(census.failures, 1);
  t.regex(census.problems.join('\n'), /^t\/ok\.test\.ts: 1 of 2 tests .*"fine # SKIP not really" \(a title holding .* reads as a TAP directive: rename it\)$/);
});

test('census: an empty TAP output and no records fail every expected file, one problem each', (t) => {
  const census = checkCensus({ root: ROOT, tap: parseTap(''), expectedFiles: ['a.test.ts', 'b.test.ts'], records: [] });
  t.is(census.failures, 2);
  t.is(census.problems.length, 3);
});

test('census: a result under another file\'s name does not count for this file', (t) => {
  const tap = parseTap('TAP version 13\nok 1 - other › fine\nok 2 - ok › fine 2\n\n1..2\n');
  const census = checkCensus({ root: ROOT, tap, expectedFiles: null, records: records('t/ok.test.ts', ['fine', 'fine 2']).concat(records('t/other.test.ts', ['x'])) });
  t.is(census.failures, 2);
});

test('census: a title with backslashes is found although tap-parser reads "\\\\" back as "\\" (as ava writes it: unescaped)', (t) => {
  const title = String.raw`r'a\tb' is read as "a\\tb"`;
  const tap = parseTap(`TAP version 13\nok 1 - ok › ${title}\nok 2 - other › x\n\n1..2\n`);
  const census = checkCensus({ root: ROOT, tap, expectedFiles: null, records: records('t/ok.test.ts', [title]).concat(records('t/other.test.ts', ['x'])) });
  t.deepEqual(census.problems, []);
  t.is(census.failures, 0);
});

test('tapNames and commonPathPrefix name tests as ava\'s TAP reporter does', (t) => {
  t.is(commonPathPrefix(['test/unit/a.test.ts', 'test/unit/facts/b.test.ts']), 'test/unit/');
  t.is(commonPathPrefix(['test/unit/a.test.ts', 'test/e2e/b.test.ts']), 'test/');
  t.is(commonPathPrefix(['a.test.ts', 'test/b.test.ts']), '');
  t.deepEqual(tapNames('test/unit/', 'test/unit/facts/script.test.ts', 'runs'), ['facts › script › runs', 'facts » script » runs']);
  t.deepEqual(tapNames(null, 'test/unit/facts/script.test.ts', 'runs'), ['runs']);
});
