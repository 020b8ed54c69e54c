import { prepareRun, type PrepareOptions } from './prepare.js';

/** Offline: inventory, playbook and every template for every host; contacts no host. */
export function validate(options: PrepareOptions & { json: boolean }): number {
  const prepared = prepareRun(options);
  const tasks = [...prepared.plays.values()].reduce((sum, plays) => sum + plays.reduce((n, p) => n + p.tasks.length, 0), 0);
  if (options.json) {
    process.stdout.write(JSON.stringify({ command: 'validate', valid: true, hosts: prepared.hosts.map((h) => h.name), tasks }, null, 2) + '\n');
  } else {
    process.stdout.write(`valid: ${prepared.hosts.length} host${prepared.hosts.length === 1 ? '' : 's'}, ${tasks} tasks (${prepared.playbook.file})\n`);
  }
  return 0;
}
