import { secrets } from '../core/secrets.js';
import type { HostFacts } from '../facts/types.js';
import type { RunGuard, TaskResult } from '../engine/results.js';
import { changedFacts, factsFingerprint } from './fingerprint.js';
import type { SavedPlan, SavedTask } from './format.js';

const MAKE_A_NEW_PLAN = 'nothing was changed on it; make a new plan';

function listed(names: string[], at_most = 5): string {
  return names.length <= at_most ? names.join(', ') : `${names.slice(0, at_most).join(', ')} and ${names.length - at_most} more`;
}

function describeDecision(task: Pick<TaskResult, 'status' | 'check'>): string {
  if (task.check) return 'a check';
  return task.status === 'ok' ? 'unchanged' : task.status;
}

/** Why the decision made now is not the planned one; undefined when it is the same. */
export function decisionDifference(planned: SavedTask | undefined, now: TaskResult): string | undefined {
  if (!planned) return `task '${now.name}' is not in the plan`;
  if (planned.name !== now.name || planned.module !== now.module || Boolean(planned.handler) !== Boolean(now.handler)) {
    return `task '${now.name}' comes where the plan has '${planned.name}'`;
  }
  if (planned.status !== now.status || Boolean(planned.check) !== Boolean(now.check)) {
    return `task '${now.name}' would now be ${describeDecision(now)}, the plan has it ${describeDecision(planned)}`;
  }
  // the plan holds its diff masked: compare it masked the same way
  if ((planned.diff ?? '') !== secrets.mask(now.diff ?? '')) return `task '${now.name}' would now make another change than the plan shows`;
  return undefined;
}

/**
 * `apply PLANFILE`: a host is refused, untouched, when its facts differ from those the plan was made
 * from, or when a task decides otherwise than the plan before anything changed on the host.
 */
export function savedPlanGuard(plan: SavedPlan): RunGuard {
  const hosts = new Map(plan.hosts.map((host) => [host.name, host]));
  return {
    facts(host: string, facts: HostFacts) {
      const planned = hosts.get(host);
      if (!planned) return `refused: the host is not in the plan; ${MAKE_A_NEW_PLAN}`;
      const changed = changedFacts(planned.facts, factsFingerprint(facts));
      if (changed.length > 0) return `refused: the host changed since the plan was made (${listed(changed)}); ${MAKE_A_NEW_PLAN}`;
      return undefined;
    },
    decision(host: string, index: number, task: TaskResult) {
      const difference = decisionDifference(hosts.get(host)?.tasks[index], task);
      return difference === undefined ? undefined : `refused: ${difference}; ${MAKE_A_NEW_PLAN}`;
    },
  };
}
