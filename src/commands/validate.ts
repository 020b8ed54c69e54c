import { checkRun, type PrepareOptions } from './prepare.js';

/** Offline: inventory, playbook and every template for every host; contacts no host. */
export function validate(options: PrepareOptions & { json: boolean }): number {
  let tasks = 0;
  const checked = checkRun(options, (_host, plays) => {
    tasks += plays.reduce((n, play) => n + play.tasks.length, 0);
  });
  if (options.json) {
    process.stdout.write(JSON.stringify({ command: 'validate', valid: true, hosts: checked.hosts.map((h) => h.name), tasks }, null, 2) + '\n');
  } else {
    process.stdout.write(`valid: ${checked.hosts.length} host${checked.hosts.length === 1 ? '' : 's'}, ${tasks} tasks (${checked.playbook.file})\n`);
  }
  return 0;
}
