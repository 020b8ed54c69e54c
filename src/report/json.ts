import { secrets } from '../core/secrets.js';
import { summarize, type HostResult, type TaskResult } from '../engine/results.js';

/** A task as the --json document (and a saved plan) holds it. */
export function jsonTask(task: TaskResult) {
  return {
    name: task.name,
    module: task.module,
    status: task.status,
    ...(task.handler ? { handler: true as const } : {}),
    ...(task.check ? { check: true as const } : {}),
    ...(task.summary ? { summary: task.summary } : {}),
    ...(task.diff !== undefined ? { diff: task.diff } : {}),
    ...(task.error !== undefined ? { error: task.error } : {}),
  };
}

/** A host as the --json document (and a saved plan) holds it. */
export function jsonHost(host: HostResult) {
  return {
    name: host.name,
    address: host.address,
    status: host.status,
    ...(host.error !== undefined ? { error: host.error } : {}),
    ...(host.refused ? { refused: true as const } : {}),
    commands: host.commands,
    tasks: host.tasks.map(jsonTask),
  };
}

/**
 * JSON text with every string masked. Each string is masked before serializing: JSON escaping would
 * hide a secret holding quotes or backslashes.
 */
export function maskedJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? secrets.mask(item) : item), indent);
}

/** The SPEC's --json document (the only thing on stdout). */
export function renderJson(command: string, hosts: HostResult[]): string {
  return maskedJson({ command, hosts: hosts.map(jsonHost), summary: summarize(hosts) }, 2);
}
