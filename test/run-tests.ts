/**
 * `npm test`: runs ava (TAP) over every test, ALWAYS brings the lab down afterwards (also when tests
 * fail or on Ctrl-C), and ends with the census and `N passed, N failed, N skipped` (test/run/report.ts,
 * the same lines .ci/run prints). The TAP and the census records stay in .lab/last-test/.
 * Extra arguments go to ava (e.g. `npm test -- test/integration/lab.test.ts --match '*sudo*'`).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import { clearResults, report, RESULTS_DIR, ROOT, startRun } from './run/report.js';
import { avaGlobs, expandGlobs } from './run/test-files.js';
import { TEST_CACHE_DIR } from './helpers/cli.js';

const CENSUS_HOOK = pathToFileURL(join(ROOT, 'test', 'run', 'census-hook.mjs')).href;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

let avaProcess: ReturnType<typeof spawn> | undefined;

/** One ava run, kept as NAME in the results directory; expectedFiles: what the census requires. */
function runAva(name: string, args: string[], expectedFiles: string[] | null): Promise<number> {
  const run = startRun(RESULTS_DIR, name, expectedFiles);
  const file = createWriteStream(run.tap);
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'ava'), ['--tap', `--node-arguments=--import=${CENSUS_HOOK}`, ...args], {
    cwd: ROOT,
    // the tests' controller cache (wheels, parsed YAML), not the home directory's
    env: { CLAMPROVISION_CACHE_DIR: TEST_CACHE_DIR, ...process.env, CLAMPROVISION_CENSUS_DIR: run.censusDir },
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  avaProcess = child;
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    file.write(chunk);
  });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`run-tests: cannot start ava: ${err.message}\n`);
      file.end(() => resolve(1));
    });
    child.on('close', (code, signal) => {
      file.end(() => resolve(code ?? (signal ? 1 : 0)));
    });
  });
}

function labDown(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'test', 'lab', 'cli.ts'), 'down'], {
      cwd: ROOT,
      // stdout too goes to stderr, so that our stdout stays TAP plus the final line
      stdio: ['ignore', process.stderr, 'inherit'],
    });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // We stay alive to bring the lab down after ava ends. Ctrl-C reaches ava (same process group)
  // by itself; a SIGTERM sent to us alone is passed on.
  process.on(signal, () => {
    interrupted = true;
    if (signal === 'SIGTERM') avaProcess?.kill('SIGTERM');
  });
}

/**
 * Lab test files run three at a time on two cores: two at a time left the CPU idle 17% of the lab's
 * time in a cold CI run (vmstat), up to half of it while the fault tests wait for timeouts, locks
 * and reboots.
 */
const LAB_CONCURRENCY = 3;

/**
 * Without arguments: the unit tests first, alone, then the lab tests (ava.config.mjs's globs, split
 * at test/unit/). The lab tests keep both cores busy (apt, compilers inside the hosts); the unit tests
 * include a few that time the CLI itself.
 */
async function runAll(args: string[]): Promise<number> {
  clearResults(RESULTS_DIR);
  if (args.length > 0) return runAva('1-args', args, namedFiles(args));
  const globs = await avaGlobs(ROOT);
  const unitGlobs = globs.filter((g) => g.startsWith('test/unit/'));
  const labGlobs = globs.filter((g) => !g.startsWith('test/unit/'));
  const unit = await runAva('1-unit', unitGlobs, expandGlobs(ROOT, unitGlobs));
  if (interrupted) return unit;
  const lab = await runAva('2-lab', [`--concurrency=${LAB_CONCURRENCY}`, ...labGlobs], expandGlobs(ROOT, labGlobs));
  return unit !== 0 ? unit : lab;
}

/**
 * The test files named in ava's arguments, which the census then requires; null (no file list is
 * checked) with --match, which may leave a named file without a selected test.
 */
function namedFiles(args: string[]): string[] | null {
  if (args.some((a) => a === '--match' || a === '-m' || a.startsWith('--match='))) return null;
  return args.filter((a) => !a.startsWith('-') && isFile(a)).map((a) => relative(ROOT, join(ROOT, a)).split('\\').join('/'));
}

function isFile(path: string): boolean {
  try {
    return statSync(join(ROOT, path)).isFile();
  } catch {
    return false;
  }
}

// the lab's progress lines say how long the run has been going (test/lab/exec.ts)
process.env.CLAMPROVISION_TEST_STARTED ??= String(Date.now());
const avaCode = await runAll(process.argv.slice(2));
let downCode = 0;
if (isRoot) {
  process.stderr.write('run-tests: bringing the lab down…\n');
  downCode = await labDown();
  if (downCode !== 0) process.stderr.write(`run-tests: lab down failed (exit ${downCode})\n`);
} else {
  process.stderr.write('run-tests: not root, so no lab was started and none is brought down\n');
}

const result = report(RESULTS_DIR);
process.stdout.write(`${result.lines.join('\n')}\n`);
let exitCode = avaCode !== 0 ? avaCode : downCode !== 0 ? 1 : 0;
if (exitCode === 0 && (!result.ok || interrupted)) exitCode = 1;
process.exit(exitCode);
