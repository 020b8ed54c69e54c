/**
 * Runs the real CLI on a pseudo-terminal, as a user at a terminal does: util-linux `script(1)` (in every
 * Debian: bsdutils is essential) gives it a terminal for stdin, stdout and stderr, and passes on what the
 * test types. Used for what only a terminal shows: listr2's live progress, the -K password prompt.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { shellQuote } from '../../src/core/shell-quote.js';
import { repoRoot, TEST_CACHE_DIR } from './cli.js';

export interface PtyRun {
  code: number | null;
  /** everything the terminal showed, escape sequences included */
  screen: string;
  ms: number;
}

export interface PtySession {
  /** what the terminal showed so far */
  screenSoFar(): string;
  /** types text (a password and "\r" for Enter) */
  type(text: string): void;
  done: Promise<PtyRun>;
}

/**
 * Starts `node dist/cli.js ARGS` on a 200x50 terminal, without CI in its environment (the progress
 * would fall back to plain lines).
 */
export function startCliOnTerminal(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): PtySession {
  const started = Date.now();
  const { CI: _ci, ...env } = opts.env ?? process.env;
  const command = `stty cols 200 rows 50; exec ${[process.execPath, join(repoRoot, 'dist', 'cli.js'), ...args].map(shellQuote).join(' ')}`;
  // -q: no "Script started" lines; -e: exit with the command's code; -f: flush at once; -c: the command
  const child = spawn('script', ['-q', '-e', '-f', '-c', command, '/dev/null'], {
    cwd: repoRoot,
    env: { CLAMPROVISION_CACHE_DIR: TEST_CACHE_DIR, ...env, TERM: 'xterm-256color' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout!.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  const done = new Promise<PtyRun>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 10 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen, ms: Date.now() - started });
    });
  });
  return {
    screenSoFar: () => screen,
    type: (text) => void child.stdin!.write(text),
    done: done.finally(() => child.stdin!.end()),
  };
}

/** The terminal's text without colours and cursor movements (what a reader sees, roughly, line by line). */
export function plainText(screen: string): string {
  // eslint-disable-next-line no-control-regex
  return screen.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\x1b[()][A-Z0-9]/g, '').replace(/\r/g, '');
}

/** listr2's live renderer redraws its lines in place: it erases lines (ESC [ 2K, or ESC [ K after moving up). */
export function redrawsInPlace(screen: string): boolean {
  return /\x1b\[\d*A/.test(screen) && /\x1b\[[02]?K/.test(screen);
}
