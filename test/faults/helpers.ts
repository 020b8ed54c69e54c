/**
 * Helpers of the fault tests (issue 7): run the real CLI (in the foreground or in the background),
 * poll with a bound, run things on a lab host in the background, read host-key fingerprints.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInventoryYaml } from '../lab/inventory.js';
import { repoRoot, type RunReport } from '../e2e/helpers.js';
import { sshExec, type LabHost } from '../lab/hosts.js';

export const faultsFixtures = join(repoRoot, 'test', 'fixtures', 'faults');
const cliPath = join(repoRoot, 'dist', 'cli.js');

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
    env: opts.env ?? process.env,
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

/** A short account of a run for assertion messages. */
export function account(run: CliRun): string {
  const lines = [`exit ${run.code} after ${run.ms} ms`];
  for (const host of run.report?.hosts ?? []) {
    lines.push(`${host.name}: ${host.status}${host.error ? ` — ${host.error}` : ''}`);
    for (const task of host.tasks.filter((t) => t.status === 'failed')) lines.push(`  failed: ${task.name}: ${task.error ?? ''}`);
  }
  if (!run.report) lines.push(`stdout: ${run.stdout.slice(-3000)}`);
  lines.push(`stderr (tail): ${run.stderr.split('\n').slice(-30).join('\n')}`);
  return lines.join('\n');
}

export function hostReport(run: CliRun, name: string) {
  return run.report?.hosts.find((h) => h.name === name);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false | null | ''>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Starts `command` on the host detached from our SSH session (it keeps running after we disconnect). */
export async function onHostInBackground(host: LabHost, command: string, logFile = '/dev/null'): Promise<void> {
  const result = await sshExec(host, `setsid nohup sh -c ${quote(command)} >${logFile} 2>&1 </dev/null & echo started`);
  if (!result.stdout.includes('started')) throw new Error(`could not start on ${host.name}: ${result.stderr}`);
}

export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `ssh-keygen -lf`: the SHA256 fingerprint of a public key (file or key line), e.g. "SHA256:abc…". */
export function fingerprintOf(publicKeyFile: string): string {
  const line = execFileSync('ssh-keygen', ['-lf', publicKeyFile], { encoding: 'utf8' });
  const found = /\b(SHA256:[A-Za-z0-9+/=]+)/.exec(line);
  if (!found) throw new Error(`no fingerprint in: ${line}`);
  return found[1]!;
}

/** The lab keeps each host's key outside the host: /var/lib/clamprovision-lab/hostkeys/NAME/. */
export function labHostPublicKeyFile(name: string): string {
  return join('/var/lib/clamprovision-lab/hostkeys', name, 'ssh_host_ed25519_key.pub');
}

/** An unused address in the lab subnet (the lab hands out .11-.110 to labN and .111 upwards to other names). */
export const NO_HOST_ADDRESS = '10.231.0.250';

/** Like writeLabInventory, for entries that need not be lab hosts (a closed port, an address with no host). */
export function writeInventoryFor(
  hosts: Array<{ name: string; address: string }>,
  vars: Record<string, unknown> = {},
  hostVars: Record<string, Record<string, unknown>> = {},
): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clamprovision-faults-')), 'inventory.yml');
  writeFileSync(path, buildInventoryYaml(hosts, vars, hostVars));
  return path;
}
