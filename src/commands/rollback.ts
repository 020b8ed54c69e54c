import { InputError } from '../core/errors.js';
import type { ModuleTask } from '../playbook/types.js';
import { runPrepared, type ConvergeOptions } from './converge.js';
import { prepareRun, type PreparedRun } from './prepare.js';

export interface RollbackOptions extends ConvergeOptions {
  service?: string;
  to?: string;
  dryRun: boolean;
}

/** The tasks a rollback runs: the release switch, then (always) the health checks and the restarts they notify. */
export const ROLLBACK_TAGS = ['release'];

function rollbackTasks(prepared: PreparedRun): ModuleTask[] {
  return [...prepared.plays.values()].flat().flatMap((play) => play.tasks).filter((task): task is ModuleTask => task.kind === 'module' && task.module.name === 'release');
}

/**
 * `rollback`: the playbook's release tasks with `clamprovision_rollback` set, so each switches its
 * service back to the release asked for; the health checks follow, and a release that fails them is
 * switched back again. --dry-run is a plan of the same.
 */
export async function rollback(options: RollbackOptions): Promise<number> {
  if (options.tags !== undefined) throw new InputError('rollback runs the release tasks and the health checks; --tags is not for rollback');
  const prepared = prepareRun({
    ...options,
    tags: ROLLBACK_TAGS,
    run: { clamprovision_rollback: { service: options.service ?? null, to: options.to ?? 'previous' } },
  });
  const tasks = rollbackTasks(prepared);
  if (tasks.length === 0) {
    const why = options.service !== undefined ? `no selected host has a service named '${options.service}'` : 'the playbook has no release task tagged release on the selected hosts';
    throw new InputError(`rollback: ${why}`);
  }
  const services = new Set(tasks.map((task) => (task.args as { label: string }).label));
  if (options.to !== undefined && options.service === undefined && services.size > 1) {
    throw new InputError(`rollback --to names a release of one service, and the selected hosts run ${[...services].join(', ')}: add --service NAME`);
  }
  return runPrepared(options.dryRun ? 'plan' : 'apply', prepared, options, options.dryRun ? 'rollback --dry-run' : 'rollback');
}
