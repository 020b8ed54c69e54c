import type { ExecutionContext } from 'ava';
import { prepareRun, type PreparedRun } from '../../src/commands/prepare.js';
import type { CompiledPlay } from '../../src/playbook/types.js';

/**
 * Whatever a run reuses from one host for the next, every host of `inventory` must get in one run what
 * it gets in a run of its own: `view` is the part of its plays compared. Returns the run of all hosts.
 */
export function eachHostAsAlone(t: ExecutionContext, inventory: string, hosts: number, view: (plays: CompiledPlay[] | undefined) => string): PreparedRun {
  const together = prepareRun({ inventory });
  t.is(together.hosts.length, hosts);
  for (const host of together.hosts) {
    const alone = prepareRun({ inventory, limit: host.name });
    t.is(view(together.plays.get(host.name)), view(alone.plays.get(host.name)), host.name);
  }
  return together;
}
