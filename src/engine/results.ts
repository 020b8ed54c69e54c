import type { HostFacts } from '../facts/types.js';

export type Mode = 'apply' | 'plan';
export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped';
export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable';

export interface TaskResult {
  name: string;
  module: string;
  status: TaskStatus;
  /** one line per change (what plan says apply would do) */
  summary?: string[];
  diff?: string;
  error?: string;
  /** a read-only check (http_check): listed in plan, run in apply, never "changed" */
  check?: boolean;
  handler?: boolean;
}

export interface HostResult {
  name: string;
  address: string;
  status: HostStatus;
  error?: string;
  /** apply of a saved plan: the host no longer matched the plan and was left untouched */
  refused?: boolean;
  /** SSH exec channels this host ran */
  commands: number;
  tasks: TaskResult[];
}

export interface RunSummary {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
}

/** What the engine tells the progress display while it works. */
export interface RunObserver {
  hostStarted?(host: string): void;
  hostStep?(host: string, step: string): void;
  /** something the user should see even without a terminal (e.g. waiting for another run's lock) */
  hostNotice?(host: string, message: string): void;
  taskFinished?(host: string, task: TaskResult): void;
  hostFinished?(result: HostResult): void;
}

/**
 * Checks an apply of a saved plan makes on each host before it changes anything there: a reason to
 * refuse the host (left untouched, reported failed), or undefined to go on. Plan --out records with it.
 */
export interface RunGuard {
  /** the host's facts, as read before any task */
  facts(host: string, facts: HostFacts): string | undefined;
  /** a task's decision (the index-th result of the host), made while nothing has changed on the host yet */
  decision(host: string, index: number, task: TaskResult): string | undefined;
}

export function summarize(hosts: HostResult[]): RunSummary {
  const summary: RunSummary = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  for (const host of hosts) summary[host.status] += 1;
  return summary;
}
