import { secrets } from '../core/secrets.js';
import { summarize, type HostResult } from '../engine/results.js';

/** The SPEC's --json document (the only thing on stdout). */
export function renderJson(command: string, hosts: HostResult[]): string {
  const document = {
    command,
    hosts: hosts.map((host) => ({
      name: host.name,
      address: host.address,
      status: host.status,
      ...(host.error !== undefined ? { error: host.error } : {}),
      commands: host.commands,
      tasks: host.tasks.map((task) => ({
        name: task.name,
        module: task.module,
        status: task.status,
        ...(task.handler ? { handler: true } : {}),
        ...(task.check ? { check: true } : {}),
        ...(task.summary ? { summary: task.summary } : {}),
        ...(task.diff !== undefined ? { diff: task.diff } : {}),
        ...(task.error !== undefined ? { error: task.error } : {}),
      })),
    })),
    summary: summarize(hosts),
  };
  // Mask each string before serializing: JSON escaping would hide a secret holding quotes or backslashes.
  return JSON.stringify(document, (_key, value: unknown) => (typeof value === 'string' ? secrets.mask(value) : value), 2);
}
