/**
 * The census of one ava run: did every test file run, and does every test that a file selected
 * have its result in the TAP output? The expected tests come from the workers themselves
 * (census-hook.mjs); the results from TAP (tap-summary.ts). A failed `before` hook (its tests get no
 * result), a process.exit() (ava 7's TAP reporter dies on it and the stream stops), a file that
 * never loaded, all end up here as a problem naming the file.
 */
import { sep as pathSep } from 'node:path';

import type { TapDocument } from './tap-summary.js';

export type CensusRecord =
  | { kind: 'test'; file: string; title: string; skip: boolean; todo: boolean }
  | { kind: 'process-exit'; file: string };

export interface CensusInput {
  /** Absolute path of the project: records hold absolute paths, messages relative ones. */
  root: string;
  records: readonly CensusRecord[];
  tap: TapDocument;
  /** Files the run must have run (relative to root, `/`), or null when not known. */
  expectedFiles: readonly string[] | null;
}

export interface CensusResult {
  problems: string[];
  /**
   * What the report adds to the failed count: each selected test without a result, each file that
   * did not run, and at least 1 when there is any problem, so the summary line never reads
   * `0 failed` for a run that failed.
   */
  failures: number;
  files: number;
  tests: number;
}

// ava joins a file's path parts and the title with figures' pointerSmall: `›`, or `»` on
// terminals without Unicode
const SEPARATORS = [' › ', ' » '];

export function checkCensus({ root, records, tap, expectedFiles }: CensusInput): CensusResult {
  const rel = (file: string): string => relativeTo(root, file);
  const byFile = new Map<string, string[]>();
  const exited = new Set<string>();
  for (const record of records) {
    const file = rel(record.file);
    if (record.kind === 'process-exit') exited.add(file);
    else byFile.set(file, [...(byFile.get(file) ?? []), record.title]);
  }

  const runFiles = [...new Set([...(expectedFiles ?? []), ...byFile.keys()])].sort();
  const base = runFiles.length > 1 ? commonPathPrefix(runFiles) : null;
  const results = new Map<string, number>();
  for (const point of tap.points) results.set(point.name, (results.get(point.name) ?? 0) + 1);

  const problems: string[] = [];
  let failures = 0;
  let tests = 0;
  if (!tap.complete) problems.push('the TAP output stopped before its closing plan: ava did not get to the end of the run');
  for (const file of runFiles) {
    const titles = byFile.get(file);
    if (exited.has(file)) problems.push(`${file}: a test called process.exit(), which stops the file and ava's TAP output`);
    if (!titles) {
      problems.push(`${file}: did not run (no test of it was selected: it did not load, or ava did not start it)`);
      failures++;
      continue;
    }
    tests += titles.length;
    const missing = titles.filter((title) => !take(results, tapNames(base, file, title)));
    if (missing.length === 0) continue;
    failures += missing.length;
    const shown = missing.slice(0, 5).map((t) => JSON.stringify(t)).join(', ');
    const more = missing.length > 5 ? `, … (${missing.length - 5} more)` : '';
    const directive = missing.some((t) => /\s#\s*(skip|todo|time=)/i.test(t))
      ? ' (a title holding " # skip", " # todo" or " # time=" reads as a TAP directive: rename it)'
      : '';
    problems.push(`${file}: ${missing.length} of ${titles.length} tests have no result (a failed before hook, a crash or an exit stopped them): ${shown}${more}${directive}`);
  }
  if (problems.length > 0) failures = Math.max(failures, 1);
  return { problems, failures, files: runFiles.length, tests };
}

/** Takes one result with one of the names; false if there is none. */
function take(results: Map<string, number>, names: readonly string[]): boolean {
  for (const name of names) {
    const n = results.get(name) ?? 0;
    if (n > 0) {
      results.set(name, n - 1);
      return true;
    }
  }
  return false;
}

/** The descriptions ava's TAP reporter gives a test (lib/reporters/prefix-title.js). */
export function tapNames(base: string | null, file: string, title: string): string[] {
  if (base === null) return [readBackByTapParser(title.trim())];
  const parts = (file.startsWith(base) ? file.slice(base.length) : file).split('/').filter((p) => p !== '__tests__');
  const name = (parts.pop() ?? '')
    .replace(/\.spec\./, '.')
    .replace(/\.test\./, '.')
    .replace(/test-/, '')
    .replace(/\.(?:ts|js|cjs|mjs)$/, '');
  return SEPARATORS.map((s) => readBackByTapParser([...parts, name, title].join(s).trim()));
}

/**
 * ava writes titles into TAP as they are, and tap-parser reads `\\` as `\` and `\#` as `#` (its
 * unesc(), which it does not export): a title with a backslash is found under the name read back.
 */
function readBackByTapParser(name: string): string {
  return name.replace(/\\\\|\\#/g, (escaped) => escaped.slice(1));
}

/** As ava's common-path-prefix: the common leading directories, ending with `/`. */
export function commonPathPrefix(files: readonly string[]): string {
  const [first, ...rest] = files.map((f) => f.split('/'));
  if (!first) return '';
  let end = first.length - 1;
  for (const parts of rest) {
    for (let i = 0; i < end; i++) {
      if (parts[i] !== first[i]) end = i;
    }
  }
  return end > 0 ? `${first.slice(0, end).join('/')}/` : '';
}

function relativeTo(root: string, file: string): string {
  const prefix = root.endsWith(pathSep) ? root : root + pathSep;
  const relative = file.startsWith(prefix) ? file.slice(prefix.length) : file;
  return relative.split(pathSep).join('/');
}
