import { secrets } from '../core/secrets.js';
import type { HostResult, Mode } from '../engine/results.js';
import { hostLabel } from './progress.js';

/** GitHub keeps at most 1 MiB of a step's summary: diffs are cut well before that. */
const MAX_DIFF_LINES = 200;
const MAX_SUMMARY_CHARS = 512 * 1024;

/** The run in Markdown for GitHub's job summary ($GITHUB_STEP_SUMMARY): a table of hosts, then each host's changes with diffs. */
export function renderStepSummary(command: string, mode: Mode, hosts: HostResult[]): string {
  const changes = hosts.reduce((sum, host) => sum + host.tasks.filter((task) => task.status === 'changed').length, 0);
  const withChanges = hosts.filter((host) => host.tasks.some((task) => task.status === 'changed')).length;
  const verb = mode === 'plan' ? 'to change' : 'changed';
  const lines = [
    `### clamprovision ${command}: ${changes} ${verb} on ${withChanges} of ${hosts.length} host${hosts.length === 1 ? '' : 's'}`,
    '',
    `| host | status | ${verb} | failed |`,
    '|---|---|---|---|',
    ...hosts.map((host) => `| ${cell(hostLabel(host))} | ${cell(hostStatus(host, mode))} | ${host.tasks.filter((t) => t.status === 'changed').length} | ${host.tasks.filter((t) => t.status === 'failed').length} |`),
    '',
  ];
  for (const host of hosts) {
    const shown = host.tasks.filter((task) => task.status === 'changed' || task.status === 'failed');
    if (shown.length === 0) continue;
    lines.push(`<details><summary>${html(host.name)}: ${shown.length} task${shown.length === 1 ? '' : 's'}</summary>`, '');
    for (const task of shown) {
      lines.push(`- ${task.status === 'failed' ? '❌' : '✏️'} ${task.handler ? 'handler: ' : ''}${inlineCode(task.name)} (${task.module})`);
      for (const line of task.summary ?? []) lines.push(`  - ${escapeMarkdown(line)}`);
      if (task.error) lines.push('', fenced(task.error, 'text'));
      if (task.diff) lines.push('', fenced(cutDiff(task.diff), 'diff'));
    }
    lines.push('', '</details>', '');
  }
  let markdown = lines.join('\n');
  if (markdown.length > MAX_SUMMARY_CHARS) markdown = `${markdown.slice(0, MAX_SUMMARY_CHARS)}\n\n…(cut: the summary is too long for GitHub; the full report is in the job's log)\n`;
  return secrets.mask(markdown) + '\n';
}

function hostStatus(host: HostResult, mode: Mode): string {
  if (host.refused) return `⛔ ${host.error ?? 'refused'}`;
  if (host.status === 'failed' || host.status === 'unreachable') return `❌ ${host.status}: ${(host.error ?? '').split('\n')[0]}`;
  if (host.status === 'changed') return mode === 'plan' ? 'would change' : 'changed';
  return 'no changes';
}

function cutDiff(diff: string): string {
  const lines = diff.replace(/\n$/, '').split('\n');
  return lines.length <= MAX_DIFF_LINES ? lines.join('\n') : [...lines.slice(0, MAX_DIFF_LINES), `… (${lines.length - MAX_DIFF_LINES} more lines)`].join('\n');
}

/** A fenced block that no run of backticks inside it can close. */
function fenced(body: string, language: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${body.replace(/\n$/, '')}\n${fence}`;
}

function inlineCode(value: string): string {
  const fence = value.includes('`') ? '`` ' : '`';
  return `${fence}${value}${fence.split('').reverse().join('')}`;
}

function html(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeMarkdown(value: string): string {
  return html(value).replace(/([\\`*_[\]|])/g, '\\$1');
}

function cell(value: string): string {
  return escapeMarkdown(value.split('\n')[0]!);
}
