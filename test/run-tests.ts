/**
 * `npm test`: runs ava (TAP) over every test, keeps the TAP in .lab/last-test.tap, ALWAYS brings the
 * lab down afterwards (also when tests fail or on Ctrl-C), and ends with `N passed, N failed`.
 * Extra arguments go to ava (e.g. `npm test -- test/integration/lab.test.ts --match '*sudo*'`).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TAP_FILE = join(ROOT, '.lab', 'last-test.tap');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
}

/** Counts TAP result lines; `# SKIP` and `# TODO` directives are not passes or failures. */
function countTap(tap: string): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for (const line of tap.split('\n')) {
    const result = /^(not ok|ok)\b(?:[^#]*)(?:#\s*(SKIP|TODO)\b)?/i.exec(line);
    if (!result) continue;
    const directive = result[2]?.toUpperCase();
    if (directive === 'SKIP') counts.skipped++;
    else if (directive === 'TODO') counts.todo++;
    else if (result[1] === 'ok') counts.passed++;
    else counts.failed++;
  }
  return counts;
}

let avaProcess: ReturnType<typeof spawn> | undefined;

function runAva(args: string[], append = false): Promise<{ code: number; tap: string }> {
  mkdirSync(dirname(TAP_FILE), { recursive: true });
  const file = createWriteStream(TAP_FILE, { flags: append ? 'a' : 'w' });
  let tap = '';
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'ava'), ['--tap', ...args], {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  avaProcess = child;
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    file.write(chunk);
    tap += chunk.toString('utf8');
  });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`run-tests: cannot start ava: ${err.message}\n`);
      file.end(() => resolve({ code: 1, tap }));
    });
    child.on('close', (code, signal) => {
      file.end(() => resolve({ code: code ?? (signal ? 1 : 0), tap }));
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
 * Without arguments: the unit tests first, alone, then the lab tests. The lab tests keep both cores
 * busy (apt, compilers inside the hosts); the unit tests include a few that time the CLI itself.
 */
async function runAll(args: string[]): Promise<{ code: number; tap: string }> {
  if (args.length > 0) return runAva(args);
  const unit = await runAva(['test/unit/**/*.test.ts']);
  if (interrupted) return unit;
  const lab = await runAva(['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/faults/**/*.test.ts'], true);
  return { code: unit.code !== 0 ? unit.code : lab.code, tap: unit.tap + lab.tap };
}

const ava = await runAll(process.argv.slice(2));
let downCode = 0;
if (isRoot) {
  process.stderr.write('run-tests: bringing the lab down…\n');
  downCode = await labDown();
  if (downCode !== 0) process.stderr.write(`run-tests: lab down failed (exit ${downCode})\n`);
} else {
  process.stderr.write('run-tests: not root, so no lab was started and none is brought down\n');
}

const counts = countTap(ava.tap);
const extra = [counts.skipped ? `, ${counts.skipped} skipped` : '', counts.todo ? `, ${counts.todo} todo` : ''].join('');
process.stdout.write(`${counts.passed} passed, ${counts.failed} failed${extra}\n`);
let exitCode = ava.code !== 0 ? ava.code : downCode !== 0 ? 1 : 0;
if (exitCode === 0 && (counts.failed > 0 || interrupted)) exitCode = 1;
process.exit(exitCode);
