import { execFile, spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export class CommandError extends Error {
  constructor(
    readonly command: string[],
    readonly result: RunResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
    super(`command failed (exit ${result.code}): ${command.join(' ')}${detail ? `\n${detail}` : ''}`);
    this.name = 'CommandError';
  }
}

/** Runs a program (no shell) and resolves with its exit code and output; never rejects on a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 0,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
          // spawn failure such as ENOENT: the program is missing
          reject(new Error(`cannot run ${cmd}: ${error.message}`));
          return;
        }
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like run, but rejects with a CommandError unless the program exits 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const result = await run(cmd, args, opts);
  if (result.code !== 0) throw new CommandError([cmd, ...args], result);
  return result.stdout;
}

/** Runs a long program with its output going to our stderr (for progress of debootstrap and apt). */
export function runStreaming(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', opts.quiet ? 'pipe' : 'inherit', opts.quiet ? 'pipe' : 'inherit'],
      env: opts.env ?? process.env,
    });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CommandError([cmd, ...args], { code: code ?? 128, stdout: '', stderr: tail || `killed by ${signal}` }));
    });
  });
}

/**
 * Progress and diagnostics go to stderr so that stdout stays machine-readable. Under `npm test` each
 * line says how long the test run has been going (CLAMPROVISION_TEST_STARTED, set by run-tests.ts):
 * a CI log cut off by a time limit still shows where the time went.
 */
export function say(message: string): void {
  process.stderr.write(`lab${elapsedSinceTestStart()}: ${message}\n`);
}

function elapsedSinceTestStart(): string {
  const started = Number(process.env.CLAMPROVISION_TEST_STARTED);
  if (!Number.isFinite(started) || started <= 0) return '';
  const seconds = Math.max(0, Math.round((Date.now() - started) / 1000));
  return ` +${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
