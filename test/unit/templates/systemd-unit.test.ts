import test from 'ava';
import { join } from 'node:path';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { evaluateCondition } from '../../../src/playbook/expressions.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { directives, examplesDir, helloService, hostVars, render, repoRoot, services } from './render.js';

registerBuiltinPlugins();

function unit(extra: Record<string, unknown> = {}): string[] {
  const vars = hostVars({ services: [helloService('/hello', extra)] });
  return directives(render('clam-service.service.ejs', vars, services(vars)[0]));
}

function section(lines: string[], name: string): string[] {
  const start = lines.indexOf(`[${name}]`);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.startsWith('['));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

test('runs the venv uWSGI with the service ini, as the user clam', (t) => {
  const service = section(unit(), 'Service');
  t.true(service.includes('ExecStart=/opt/clam/hello/current/venv/bin/uwsgi --ini /etc/clam/hello/uwsgi.ini'));
  t.true(service.includes('User=clam'));
  t.true(service.includes('Group=clam'));
});

test('uWSGI as systemd expects it: Type=notify, SIGQUIT to stop, restarted on failure', (t) => {
  const service = section(unit(), 'Service');
  t.true(service.includes('Type=notify'));
  t.true(service.includes('KillSignal=SIGQUIT'));
  t.true(service.includes('Restart=on-failure'));
});

test('enabled into multi-user.target, started after the network', (t) => {
  const lines = unit();
  t.deepEqual(section(lines, 'Install'), ['WantedBy=multi-user.target']);
  t.true(section(lines, 'Unit').includes('After=network.target clam-hello.socket'));
});

test('the service environment comes from the 0640 env file, never from the world-readable unit', (t) => {
  const lines = unit({ env: { SECRET_KEY: 'do-not-show' }, secrets: ['SECRET_KEY'] });
  t.true(section(lines, 'Service').includes('EnvironmentFile=/etc/clam/hello/env'));
  t.false(lines.join('\n').includes('do-not-show'));
});

/**
 * Issue 14, defect 17: a service that cannot start is not restarted forever. The directives each
 * supported host's systemd knows: an unknown one is logged and ignored, so the unit (read by every
 * supported release) holds only those of systemd 247 (Debian 11), and the backoff that systemd 254
 * brought is a drop-in written only where the systemd is that new.
 */
const SYSTEMD_OF: Record<string, number> = { bullseye: 247, bookworm: 252, trixie: 257, jammy: 249, noble: 255 };
const FIRST_SYSTEMD_WITH: Record<string, number> = {
  StartLimitIntervalSec: 230,
  StartLimitBurst: 230,
  RestartSec: 1,
  Restart: 1,
  RestartSteps: 254,
  RestartMaxDelaySec: 254,
};

test('a start limit: after 5 starts within 5 minutes systemd gives up; every directive of it is known to systemd 247', (t) => {
  const lines = unit();
  t.true(section(lines, 'Unit').includes('StartLimitIntervalSec=300'));
  t.true(section(lines, 'Unit').includes('StartLimitBurst=5'));
  t.true(section(lines, 'Service').includes('RestartSec=3'));
  for (const line of lines.filter((l) => !l.startsWith('['))) {
    const name = line.split('=')[0]!;
    if (name in FIRST_SYSTEMD_WITH) t.true(FIRST_SYSTEMD_WITH[name]! <= SYSTEMD_OF.bullseye!, `${name} is unknown to systemd 247`);
  }
});

test('the restart backoff (systemd 254) is written where the host has it, and only there', (t) => {
  const vars = hostVars({ services: [helloService('/hello')] });
  const dropIn = directives(render('clam-service-backoff.conf.ejs', vars, services(vars)[0]));
  t.deepEqual(dropIn, ['[Service]', 'RestartSteps=5', 'RestartMaxDelaySec=60']);
  const needed = Math.max(...dropIn.filter((line) => !line.startsWith('[')).map((line) => FIRST_SYSTEMD_WITH[line.split('=')[0]!]!));

  const playbook = loadPlaybook(join(repoRoot, 'playbooks', 'clam-webservice.yml'));
  const play = compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars: { services: [helloService('/hello')] }, inventoryDir: examplesDir });
  const task = play.tasks.find((candidate) => candidate.kind === 'module' && candidate.module.name === 'template' && (candidate.args as { dest: string }).dest === services(vars)[0]!.unit_backoff_file);
  t.truthy(task, 'no task writes the drop-in');
  for (const [codename, version] of Object.entries(SYSTEMD_OF)) {
    const written = evaluateCondition(task!.when, { ...task!.scope, facts: { os: { codename }, init: 'systemd' } });
    t.is(written, version >= needed, `${codename} (systemd ${version})`);
  }
});
