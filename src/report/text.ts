import { pc } from './colors.js';
import { secrets } from '../core/secrets.js';
import type { HostResult, Mode, TaskResult } from '../engine/results.js';
import { hostLabel, hostRecap } from './progress.js';

function colorDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line) =>
      line.startsWith('+') && !line.startsWith('+++')
        ? pc.green(line)
        : line.startsWith('-') && !line.startsWith('---')
          ? pc.red(line)
          : line.startsWith('@@')
            ? pc.cyan(line)
            : line,
    )
    .join('\n');
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');
}

function describeTask(task: TaskResult, mode: Mode, showDiff: boolean): string {
  const marker = task.status === 'failed' ? pc.red('✗') : task.check ? pc.blue('?') : pc.yellow('~');
  const what = task.check && mode === 'plan' ? ' (checked during apply)' : '';
  const lines = [`  ${marker} ${task.handler ? 'handler: ' : ''}${task.name} [${task.module}]${what}`];
  for (const line of task.summary ?? []) lines.push(`      ${line}`);
  if (task.error) lines.push(pc.red(indent(task.error, '      ')));
  if (showDiff && task.diff) lines.push(indent(colorDiff(task.diff.replace(/\n$/, '')), '      '));
  return lines.join('\n');
}

/** The plan (what apply would change) or the apply report, per host, for people. */
export function renderHostReport(hosts: HostResult[], mode: Mode, showDiff: boolean): string {
  const out: string[] = [];
  for (const host of hosts) {
    const interesting = host.tasks.filter((t) => t.status === 'changed' || t.status === 'failed' || (t.check && mode === 'plan'));
    const changes = host.tasks.filter((t) => t.status === 'changed').length;
    let headline: string;
    if (host.status === 'unreachable') headline = pc.red(`unreachable: ${host.error}`);
    else if (host.status === 'failed') headline = pc.red(`FAILED: ${host.error}`);
    else if (changes === 0) headline = pc.green('no changes');
    else headline = pc.yellow(mode === 'plan' ? `${changes} to change` : `${changes} changed`);
    out.push(`${pc.bold(hostLabel(host))}: ${headline}`);
    for (const task of interesting) out.push(describeTask(task, mode, showDiff || mode === 'plan'));
  }
  return secrets.mask(out.join('\n'));
}

export function renderRecap(hosts: HostResult[], mode: Mode): string {
  const lines = hosts.map((h) => hostRecap(h));
  const pending = hosts.reduce((sum, h) => sum + h.tasks.filter((t) => t.status === 'changed').length, 0);
  const hostsWithChanges = hosts.filter((h) => h.tasks.some((t) => t.status === 'changed')).length;
  const tail =
    mode === 'plan'
      ? pending === 0
        ? 'Plan: no changes.'
        : `Plan: ${pending} change${pending === 1 ? '' : 's'} on ${hostsWithChanges} of ${hosts.length} host${hosts.length === 1 ? '' : 's'}.`
      : `Apply: ${pending} change${pending === 1 ? '' : 's'} on ${hostsWithChanges} of ${hosts.length} host${hosts.length === 1 ? '' : 's'}.`;
  return secrets.mask(['', 'RECAP', ...lines, tail].join('\n'));
}
