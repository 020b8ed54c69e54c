/**
 * What `npm test` ran, counted once: for each ava run that test/run-tests.ts kept in the results
 * directory, the TAP counted (tap-summary.ts) and the census checked (census.ts). Ends with the line
 * `N passed, N failed, N skipped` that both npm test and .ci/run print.
 *
 * .ci/run prints the same through report-cli.ts.
 *
 * The directory holds, per run NAME: NAME.run.json (the files it must run, or null), NAME.tap
 * (ava's --tap output) and NAME.census/ (the workers' records, census-hook.mjs).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkCensus, type CensusRecord } from './census.js';
import { addCounts, countPoints, formatCounts, parseTap, todoLine, type Counts } from './tap-summary.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(ROOT, '.lab', 'last-test');

export interface RunFiles {
  tap: string;
  censusDir: string;
}

/** Starts a run's entry: its expected files written now, so a run that dies early still counts. */
export function startRun(dir: string, name: string, expectedFiles: readonly string[] | null): RunFiles {
  mkdirSync(dir, { recursive: true });
  const censusDir = join(dir, `${name}.census`);
  rmSync(censusDir, { recursive: true, force: true });
  mkdirSync(censusDir);
  writeFileSync(join(dir, `${name}.run.json`), `${JSON.stringify({ expectedFiles })}\n`);
  const tap = join(dir, `${name}.tap`);
  writeFileSync(tap, '');
  return { tap, censusDir };
}

export function clearResults(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Report {
  counts: Counts;
  problems: string[];
  /** Census lines, then the summary line last. */
  lines: string[];
  /** Nothing failed and the census found nothing. */
  ok: boolean;
}

export function report(dir: string, root = ROOT): Report {
  const names = existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith('.run.json')).map((f) => f.slice(0, -'.run.json'.length)).sort()
    : [];
  let counts: Counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const problems: string[] = [];
  let files = 0;
  let tests = 0;
  if (names.length === 0) {
    problems.push(`no test run was recorded in ${dir}`);
    counts.failed = 1;
  }
  for (const name of names) {
    const { expectedFiles } = JSON.parse(readFileSync(join(dir, `${name}.run.json`), 'utf8')) as { expectedFiles: string[] | null };
    const tapPath = join(dir, `${name}.tap`);
    const tap = parseTap(existsSync(tapPath) ? readFileSync(tapPath, 'utf8') : '');
    const census = checkCensus({ root, records: readRecords(join(dir, `${name}.census`)), tap, expectedFiles });
    counts = addCounts(counts, countPoints(tap.points));
    counts.failed += census.failures;
    problems.push(...census.problems.map((p) => `${name}: ${p}`));
    files += census.files;
    tests += census.tests;
  }
  const ok = problems.length === 0 && counts.failed === 0;
  const lines = problems.length > 0
    ? problems.map((p) => `census: ${p}`)
    : [`census: ${files} test files ran; each of their ${tests} tests has its result`];
  const todo = todoLine(counts);
  if (todo) lines.push(todo);
  lines.push(formatCounts(counts));
  return { counts, problems, lines, ok };
}

function readRecords(censusDir: string): CensusRecord[] {
  if (!existsSync(censusDir)) return [];
  const records: CensusRecord[] = [];
  for (const file of readdirSync(censusDir).sort()) {
    for (const line of readFileSync(join(censusDir, file), 'utf8').split('\n')) {
      if (line.trim()) records.push(JSON.parse(line) as CensusRecord);
    }
  }
  return records;
}
