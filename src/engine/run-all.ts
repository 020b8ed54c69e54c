import pLimit from 'p-limit';
import type { InventoryHost } from '../inventory/types.js';
import type { CompiledPlay } from '../playbook/types.js';
import { runHost, type HostRunOptions } from './host-run.js';
import type { HostResult } from './results.js';

export interface RunAllOptions extends HostRunOptions {
  forks: number;
  /** rolling batches of this many hosts; a failed batch stops the rollout */
  serial?: number;
}

function batches<T>(items: T[], size: number | undefined): T[][] {
  if (!size || size >= items.length) return [items];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs every host (in parallel up to --forks), batch after batch with --serial; results in inventory order. */
export async function runAll(hosts: InventoryHost[], plays: Map<string, CompiledPlay[]>, options: RunAllOptions): Promise<HostResult[]> {
  const limit = pLimit(Math.max(1, options.forks));
  const results = new Map<string, HostResult>();
  let stopped: string | undefined;
  for (const batch of batches(hosts, options.serial)) {
    if (stopped) {
      for (const host of batch) {
        const skipped: HostResult = {
          name: host.name,
          address: host.connection.address,
          status: 'failed',
          error: `not run: ${stopped}`,
          commands: 0,
          tasks: [],
        };
        results.set(host.name, skipped);
        options.observer.hostFinished?.(skipped);
      }
      continue;
    }
    const outcomes = await Promise.all(
      batch.map((host) =>
        limit(async () => {
          options.observer.hostStarted?.(host.name);
          const result = await runHost(host, plays.get(host.name) ?? [], options);
          options.observer.hostFinished?.(result);
          return result;
        }),
      ),
    );
    for (const result of outcomes) results.set(result.name, result);
    const failed = outcomes.filter((r) => r.status === 'failed' || r.status === 'unreachable');
    if (options.serial && failed.length > 0) {
      stopped = `the rollout stopped after a batch failed (${failed.map((r) => r.name).join(', ')})`;
    }
  }
  return hosts.map((h) => results.get(h.name)!);
}
