/**
 * The one counter of test results, for `npm test` (test/run-tests.ts) and CI (.ci/run, through
 * test/run/report.ts): TAP read by tap-parser, not by regexes of our own.
 *
 * ava writes titles into TAP as they are, so a title holding ` # skip …` or ` # todo …` reads as a
 * directive (the TAP rule); the census (census.ts) then finds that test without its result and
 * fails the run, so such a title cannot miscount silently.
 */
import { Parser } from 'tap-parser';

export interface TapPoint {
  ok: boolean;
  /** The description, without the `- ` and without a SKIP/TODO directive. */
  name: string;
  skip: boolean;
  todo: boolean;
}

export interface TapDocument {
  points: TapPoint[];
  /** The closing `1..N` plan was read: ava got to the end of its run and wrote it. */
  complete: boolean;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
}

/** Reads one ava `--tap` output (one `TAP version` document). */
export function parseTap(text: string): TapDocument {
  const points: TapPoint[] = [];
  let complete = false;
  const parser = new Parser();
  parser.on('assert', (result: { ok: boolean; name: string; skip: unknown; todo: unknown }) => {
    points.push({ ok: result.ok, name: result.name, skip: result.skip !== false, todo: result.todo !== false });
  });
  parser.on('plan', () => {
    complete = true;
  });
  parser.end(text);
  // on an empty stream tap-parser makes up a `1..0` plan of its own
  return { points, complete: complete && !parser.syntheticPlan };
}

/** A skipped test is neither passed nor failed; a todo (`not ok … # TODO`) is not a failure. */
export function countPoints(points: readonly TapPoint[]): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for (const point of points) {
    if (point.todo) counts.todo++;
    else if (point.skip) counts.skipped++;
    else if (point.ok) counts.passed++;
    else counts.failed++;
  }
  return counts;
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped, todo: a.todo + b.todo };
}

/**
 * `N passed, N failed, N skipped`, exactly the line CI reads (nothing may follow "skipped"); todos
 * are told on a line of their own (todoLine).
 */
export function formatCounts(counts: Counts): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

export function todoLine(counts: Counts): string | null {
  return counts.todo > 0 ? `${counts.todo} todo (test.todo: written down, not yet a test)` : null;
}
