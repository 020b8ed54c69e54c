import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { secrets } from '../core/secrets.js';
import { runAll } from '../engine/run-all.js';
import { summarize, type HostResult, type Mode, type RunGuard } from '../engine/results.js';
import { writeCiReports } from '../report/ci-reports.js';
import { renderJson } from '../report/json.js';
import { ProgressDisplay } from '../report/progress.js';
import { renderHostReport, renderRecap } from '../report/text.js';
import { sshConnector } from '../transport/ssh-host.js';
import { WheelBroker } from '../wheels/wheel-broker.js';
import { WheelCache, wheelCacheDir } from '../wheels/wheel-cache.js';
import { EXIT } from './exit-codes.js';
import { prepareRun, type PreparedRun, type PrepareOptions } from './prepare.js';

export interface ConvergeOptions extends PrepareOptions {
  forks: number;
  serial?: number;
  json: boolean;
  diff: boolean;
  askBecomePass: boolean;
  acceptNewHostKeys: boolean;
  verbose: number;
  connectTimeout: number;
  lockTimeout: number;
  /** plan: save the plan to this file, for `apply FILE` */
  out?: string;
  /** a JUnit XML report of the run, for CI */
  junit?: string;
}

/** What a saved plan adds to a run: the guard of its hosts, and what to do with the results before they are reported. */
export interface RunHooks {
  guard?: RunGuard;
  finished?(results: HostResult[]): void;
}

async function askBecomePassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new InputError('-K/--ask-become-pass needs a terminal; without one set ansible_become_password: "${BECOME_PASSWORD}" in the inventory');
  }
  // loaded only for -K: the prompt library costs start-up time on every other run
  const { password } = await import('@inquirer/prompts');
  const answer = await password({ message: 'BECOME password:', mask: '*' }, { output: process.stderr });
  secrets.add(answer);
  return answer;
}

export function exitCodeFor(mode: Mode, hosts: HostResult[]): number {
  const summary = summarize(hosts);
  if (summary.failed > 0) return EXIT.failed;
  if (summary.unreachable > 0) return EXIT.unreachable;
  if (mode === 'plan' && hosts.some((h) => h.tasks.some((t) => t.status === 'changed'))) return EXIT.pending;
  return EXIT.ok;
}

/** apply and plan: the same path, except that plan runs no change. */
export async function converge(mode: Mode, options: ConvergeOptions, command: string = mode): Promise<number> {
  const prepared = prepareRun(options);
  return runPrepared(mode, prepared, options, command);
}

/** Runs a prepared run on its hosts and reports it: apply, plan and rollback. */
export async function runPrepared(mode: Mode, prepared: PreparedRun, options: ConvergeOptions, command: string = mode, hooks: RunHooks = {}): Promise<number> {
  const becomePassword = options.askBecomePass ? await askBecomePassword() : undefined;
  const progress = new ProgressDisplay(mode, options.verbose > 0);
  progress.start(prepared.hosts.map((h) => ({ name: h.name, address: h.connection.address })));
  const results = await runAll(prepared.hosts, prepared.plays, {
    mode,
    forks: options.forks,
    serial: options.serial,
    connect: sshConnector({
      knownHostsFile: join(homedir(), '.ssh', 'known_hosts'),
      acceptNewHostKeys: options.acceptNewHostKeys,
      becomePassword,
      timeoutMs: options.connectTimeout * 1000,
    }),
    lockTimeoutSeconds: options.lockTimeout,
    observer: progress,
    wheels: new WheelBroker(new WheelCache(wheelCacheDir())),
    guard: hooks.guard,
  });
  await progress.stop();
  hooks.finished?.(results);
  if (options.json) {
    process.stdout.write(renderJson(command, results) + '\n');
  } else {
    process.stdout.write(renderHostReport(results, mode, options.diff) + '\n');
    process.stdout.write(renderRecap(results, mode) + '\n');
  }
  writeCiReports(command, mode, results, options);
  return exitCodeFor(mode, results);
}
