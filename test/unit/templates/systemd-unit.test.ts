import test from 'ava';
import { directives, helloService, hostVars, render, services } from './render.js';

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
  t.true(service.includes('ExecStart=/opt/clam/hello/venv/bin/uwsgi --ini /etc/clam/hello/uwsgi.ini'));
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
  t.true(section(lines, 'Unit').includes('After=network.target'));
});

test('the service environment comes from the 0640 env file, never from the world-readable unit', (t) => {
  const lines = unit({ env: { SECRET_KEY: 'do-not-show' }, secrets: ['SECRET_KEY'] });
  t.true(section(lines, 'Service').includes('EnvironmentFile=/etc/clam/hello/env'));
  t.false(lines.join('\n').includes('do-not-show'));
});
