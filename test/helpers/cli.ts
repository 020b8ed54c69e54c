/**
 * Runs the real CLI (`node dist/cli.js`, built by `npm test`) for integration, e2e and fault tests,
 * in the foreground or in the background, and reads its --json report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR } from '../lab/state.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cliPath = join(repoRoot, 'dist', 'cli.js');

/**
 * The controller's cache every test's CLI shares (wheels keyed by platform and sdist sha256, so
 * sharing is safe): the lab hosts that deploy uWSGI compile it once per platform, not each of them.
 * A test that needs a cache of its own sets CLAMPROVISION_CACHE_DIR in the env it passes.
 */
export const TEST_CACHE_DIR = join(CACHE_DIR, 'controller-cache');

export interface TaskReport {
  name: string;
  module: string;
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  error?: string;
  handler?: boolean;
  /** what the task changes (or would change), one line each */
  summary?: string[];
}

export interface HostReport {
  name: string;
  address: string;
  status: 'ok' | 'changed' | 'failed' | 'unreachable';
  error?: string;
  /** remote commands this host ran (SSH exec channels) */
  commands?: number;
  tasks: TaskReport[];
}

export interface RunReport {
  command: string;
  hosts: HostReport[];
  summary: { ok: number; changed: number; failed: number; unreachable: number };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** wall-clock milliseconds from spawn to exit */
  ms: number;
  /** the --json document, when stdout is one */
  report?: RunReport;
}

export interface RunningCli {
  child: ChildProcess;
  /** everything printed on stderr so far (progress) */
  stderrSoFar(): string;
  done: Promise<CliRun>;
}

/** Starts `node dist/cli.js ARGS` (no --json added) and returns at once. */
export function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunningCli {
  const started = Date.now();
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env: { CLAMPROVISION_CACHE_DIR: TEST_CACHE_DIR, ...(opts.env ?? process.env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 15 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let report: RunReport | undefined;
      try {
        report = JSON.parse(stdout) as RunReport;
      } catch {
        report = undefined;
      }
      resolve({ code, stdout, stderr, ms: Date.now() - started, report });
    });
  });
  return { child, stderrSoFar: () => stderr, done };
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return startCli(args, opts).done;
}

/** A short account of a run for assertion messages: exit code and time, host errors, failed tasks, stderr tail. */
export function explain(run: CliRun): string {
  const lines = [`exit ${run.code} after ${run.ms} ms`];
  for (const host of run.report?.hosts ?? []) {
    lines.push(`${host.name}: ${host.status}${host.error ? ` — ${host.error}` : ''}`);
    for (const task of host.tasks.filter((t) => t.status === 'failed')) lines.push(`  failed: ${task.name}: ${task.error ?? ''}`);
  }
  if (!run.report) lines.push(`stdout: ${run.stdout.slice(-3000)}`);
  lines.push(`stderr (tail): ${run.stderr.split('\n').slice(-30).join('\n')}`);
  return lines.join('\n');
}

export function hostReport(run: CliRun, name: string): HostReport | undefined {
  return run.report?.hosts.find((h) => h.name === name);
}

export function changedTasks(run: CliRun, host: string): string[] {
  return (hostReport(run, host)?.tasks ?? []).filter((t) => t.status === 'changed').map((t) => t.name);
}
