import { secrets } from '../core/secrets.js';
import type { HostResult, Mode, TaskResult } from '../engine/results.js';

/**
 * The run as a JUnit XML report, for CI: one <testsuite> per host, one <testcase> per task (the
 * host's name as classname), a failed task as <failure>, a skipped one as <skipped/>; a host that
 * failed before or beside its tasks (unreachable, refused, an unsupported OS) gets one <testcase>
 * of its own. Follows the JUnit schema CI servers read (Jenkins' junit-10.xsd; GitLab, GitHub
 * actions that publish test results). Every text is masked.
 */
export function renderJunit(command: string, mode: Mode, hosts: HostResult[]): string {
  const suites = hosts.map((host) => hostSuite(host, mode));
  const count = (what: 'tests' | 'failures' | 'errors') => suites.reduce((sum, suite) => sum + suite[what], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attribute(`clamprovision ${command}`)}" tests="${count('tests')}" failures="${count('failures')}" errors="${count('errors')}">`,
    ...suites.map((suite) => suite.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface Suite {
  xml: string;
  tests: number;
  failures: number;
  errors: number;
}

function hostSuite(host: HostResult, mode: Mode): Suite {
  const cases = host.tasks.map((task) => taskCase(host, task, mode));
  const taskFailed = host.tasks.some((task) => task.status === 'failed');
  let errors = 0;
  if (host.status === 'unreachable') {
    cases.push(testCase(host, 'connect', `    <error message="${attribute(firstLine(host.error))}" type="unreachable">${text(host.error ?? '')}</error>`));
    errors = 1;
  } else if (host.status === 'failed' && !taskFailed) {
    const type = host.refused ? 'refused' : 'failed';
    cases.push(testCase(host, host.refused ? 'matches the saved plan' : 'host', `    <failure message="${attribute(firstLine(host.error))}" type="${type}">${text(host.error ?? '')}</failure>`));
  }
  const failures = cases.filter((xml) => xml.includes('<failure ')).length;
  const skipped = host.tasks.filter((task) => task.status === 'skipped').length;
  const xml = [
    `  <testsuite name="${attribute(host.name)}" hostname="${attribute(host.address)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
  return { xml, tests: cases.length, failures, errors };
}

function taskCase(host: HostResult, task: TaskResult, mode: Mode): string {
  const name = `${task.handler ? 'handler: ' : ''}${task.name} [${task.module}]`;
  if (task.status === 'failed') {
    return testCase(host, name, `    <failure message="${attribute(firstLine(task.error))}" type="failed">${text(task.error ?? '')}</failure>`);
  }
  if (task.status === 'skipped') return testCase(host, name, '    <skipped/>');
  if (task.status === 'changed') {
    const said = [mode === 'plan' ? 'would change:' : 'changed:', ...(task.summary ?? []), ...(task.diff ? ['', task.diff] : [])].join('\n');
    return testCase(host, name, `    <system-out>${text(said)}</system-out>`);
  }
  return testCase(host, name);
}

function testCase(host: HostResult, name: string, body?: string): string {
  const open = `    <testcase classname="${attribute(host.name)}" name="${attribute(name)}"`;
  return body === undefined ? `${open}/>` : `${open}>\n${body}\n    </testcase>`;
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]!;
}

/** Characters XML 1.0 cannot hold at all (control characters, lone surrogates) become U+FFFD. */
function xmlCharacters(value: string): string {
  return secrets.mask(value).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function text(value: string): string {
  return xmlCharacters(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
