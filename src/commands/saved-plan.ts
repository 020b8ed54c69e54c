import { statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { logInputReads } from '../input/read-log.js';
import { plannedResults, readPlanFile, writePlanFile, type SavedPlan } from '../plan-file/format.js';
import { savedPlanGuard } from '../plan-file/guard.js';
import { inputChanges, inputHashes } from '../plan-file/inputs.js';
import { PlanRecorder } from '../plan-file/record.js';
import { renderJson } from '../report/json.js';
import { renderHostReport, renderRecap } from '../report/text.js';
import { runPrepared, type ConvergeOptions } from './converge.js';
import { prepareRun, type PrepareOptions, type PreparedRun } from './prepare.js';

/** prepareRun, the local files it read (named and hashed as a plan keeps them) and the directories it would upload. */
function prepareLogged(options: PrepareOptions): { prepared: PreparedRun; inputs: SavedPlan['inputs']; uploadedTrees: Set<string> } {
  const { value, reads, uploadedTrees } = logInputReads(() => prepareRun(options));
  return { prepared: value, inputs: inputHashes(reads), uploadedTrees };
}

/** A plan written into a directory that is uploaded would be uploaded with it, and be an input of itself. */
function refusePlanInUploadedTree(file: string, uploadedTrees: Set<string>): void {
  const target = path.resolve(file);
  for (const tree of uploadedTrees) {
    if (!path.relative(tree, target).startsWith('..')) {
      throw new InputError(`--out ${file} is inside ${tree}, which is uploaded to the hosts (a service's source or a copied directory): write the plan elsewhere, e.g. --out ${path.join('..', path.basename(file))}`);
    }
  }
}

/** `plan INVENTORY --out FILE`: plan, and save the plan when every host could be planned. */
export async function planToFile(options: ConvergeOptions & { out: string }): Promise<number> {
  const { prepared, inputs, uploadedTrees } = prepareLogged(options);
  refusePlanInUploadedTree(options.out, uploadedTrees);
  // found out before any host is contacted, not after the whole plan was made
  if (!statSync(path.dirname(path.resolve(options.out)), { throwIfNoEntry: false })?.isDirectory()) {
    throw new InputError(`--out ${options.out}: the directory ${path.dirname(options.out)} does not exist`);
  }
  const recorder = new PlanRecorder();
  const saved: SavedPlan['options'] = {
    inventory: options.inventory,
    ...(options.playbook !== undefined ? { playbook: options.playbook } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
  };
  return runPrepared('plan', prepared, options, 'plan', {
    guard: recorder,
    finished(results) {
      const unplanned = results.filter((host) => host.status === 'failed' || host.status === 'unreachable');
      if (unplanned.length > 0) {
        process.stderr.write(`No plan saved: ${unplanned.map((host) => host.name).join(', ')} could not be planned (a saved plan covers every selected host).\n`);
        return;
      }
      writePlanFile(options.out, recorder.body(saved, inputs, results));
      process.stderr.write(`Saved the plan to ${options.out}; apply exactly this plan with: clamprovision apply ${options.out}\n`);
    },
  });
}

/** The options that a plan fixes: given again to `apply PLANFILE`, they are a usage error (as in Terraform). */
const FIXED_BY_PLAN = ['playbook', 'limit', 'tags'] as const;

/**
 * `apply PLANFILE`: exactly the saved plan. Refuses everything (exit 1) when an input changed since the
 * plan; refuses a host whose facts or decisions no longer match (the host untouched); the others go on.
 */
export async function applyPlanFile(file: string, options: ConvergeOptions): Promise<number> {
  const plan = readPlanFile(file);
  const given = FIXED_BY_PLAN.filter((name) => options[name] !== undefined);
  if (given.length > 0) {
    throw new InputError(`${given.map((name) => `--${name}`).join(', ')} cannot be given with a saved plan: the plan was made with its own (make a new plan to change them)`);
  }
  const { prepared, inputs } = prepareLogged({ ...options, ...plan.options });
  const changes = inputChanges(plan.inputs, inputs);
  const planned = plan.hosts.map((host) => host.name).join(',');
  if (changes.length === 0 && prepared.hosts.map((host) => host.name).join(',') !== planned) {
    changes.push(`the selected hosts are now ${prepared.hosts.map((host) => host.name).join(', ') || 'none'}, the plan has ${plan.hosts.map((host) => host.name).join(', ')}`);
  }
  if (changes.length > 0) {
    throw new InputError(`the plan ${file} is stale: its inputs changed since it was made, so nothing was applied; make a new plan.\n  ${changes.join('\n  ')}`);
  }
  return runPrepared('apply', prepared, options, 'apply', { guard: savedPlanGuard(plan) });
}

/** `show PLANFILE`: the saved plan, as `plan` printed it (text or --json). */
export function showPlanFile(file: string, options: { json: boolean }): number {
  const plan = readPlanFile(file);
  const results = plannedResults(plan);
  if (options.json) {
    process.stdout.write(renderJson('plan', results) + '\n');
  } else {
    process.stdout.write(`Plan ${file}: made ${plan.createdAt} by clamprovision ${plan.tool.version} from ${[plan.options.inventory].flat().join(' ')}\n\n`);
    process.stdout.write(renderHostReport(results, 'plan', true) + '\n');
    process.stdout.write(renderRecap(results, 'plan') + '\n');
  }
  return 0;
}
