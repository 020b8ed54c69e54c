/**
 * Issue 15: the units and configuration that make a redeploy drop no request and kill no running
 * CLAM job (README, "Redeploys without dropped requests"). The lab test test/e2e/zero-downtime.test.ts
 * shows they do; these pin what each file must say.
 */
import test from 'ava';
import { join } from 'node:path';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { directives, examplesDir, helloService, hostVars, render, repoRoot, services, type Vars } from './render.js';

registerBuiltinPlugins();

function rendered(template: string, extra: Vars = {}, site: Vars = {}): string[] {
  const vars = hostVars({ ...site, services: [helloService('/hello', extra)] });
  return directives(render(template, vars, services(vars)[0]));
}

function section(lines: string[], name: string): string[] {
  const start = lines.indexOf(`[${name}]`);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.startsWith('['));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

test('the socket unit holds the uWSGI port on the loopback with a deep queue, and starts at boot', (t) => {
  const lines = rendered('clam-service.socket.ejs');
  t.deepEqual(section(lines, 'Socket'), ['ListenStream=127.0.0.1:8888', 'Backlog=4096']);
  t.deepEqual(section(lines, 'Install'), ['WantedBy=sockets.target']);
  t.deepEqual(rendered('clam-service.socket.ejs', { uwsgi_port: 9001 }).filter((line) => line.startsWith('ListenStream=')), ['ListenStream=127.0.0.1:9001']);
});

test('the service needs its socket and starts after it (uWSGI never binds the port itself)', (t) => {
  const unit = section(rendered('clam-service.service.ejs'), 'Unit');
  t.true(unit.includes('Requires=clam-hello.socket'));
  t.true(unit.includes('After=network.target clam-hello.socket'));
});

test("a stop is uWSGI's graceful shutdown ('q' on the master FIFO), waited for, bounded by TimeoutStopSec", (t) => {
  const service = section(rendered('clam-service.service.ejs'), 'Service');
  const stop = service.find((line) => line.startsWith('ExecStop='));
  t.truthy(stop);
  t.true(stop!.includes('echo q > /run/clam-hello/master.fifo'));
  // $$ is systemd's escape for $: the shell reads MAINPID, which systemd sets for ExecStop
  t.true(stop!.includes('while kill -0 "$$MAINPID"'));
  t.true(service.includes('RuntimeDirectory=clam-hello'));
  t.true(service.includes('TimeoutStopSec=90'));
  const ini = rendered('uwsgi.ini.ejs');
  t.true(ini.includes('master-fifo = /run/clam-hello/master.fifo'));
  t.true(ini.includes('worker-reload-mercy = 60'));
});

test("the wait for requests in flight never exceeds the service's request_timeout", (t) => {
  t.true(rendered('uwsgi.ini.ejs', { request_timeout: 20 }).includes('worker-reload-mercy = 20'));
  t.true(section(rendered('clam-service.service.ejs', { request_timeout: 20 }), 'Service').includes('TimeoutStopSec=50'));
});

test("only uWSGI's master is stopped, so CLAM's dispatcher and tool outlive a restart; workers never outlive the master", (t) => {
  const service = section(rendered('clam-service.service.ejs'), 'Service');
  t.true(service.includes('KillMode=process'));
  // the fallback after a timed-out graceful stop: uWSGI 2.0's SIGTERM would reload, not stop
  t.true(service.includes('KillSignal=SIGQUIT'));
  t.true(rendered('uwsgi.ini.ejs').includes('no-orphans = true'));
});

test('uWSGI keeps its configured socket address: the one systemd hands it', (t) => {
  const socket = rendered('clam-service.socket.ejs').find((line) => line.startsWith('ListenStream='))!.split('=')[1];
  t.true(rendered('uwsgi.ini.ejs').includes(`socket = ${socket}`));
});

test("apache-uwsgi: mod_proxy never takes the backend out of service after a failed connect (retry=0)", (t) => {
  const conf = render('apache-clam.conf.ejs', hostVars({ webserver: 'apache-uwsgi', services: [helloService('/hello')] }));
  t.regex(conf, /ProxyPass \/hello uwsgi:\/\/127\.0\.0\.1:8888\/hello timeout=600 retry=0\n/);
});

test('apache-wsgi: requests in flight get as long to finish when the daemon group restarts (shutdown-timeout)', (t) => {
  const conf = render('apache-clam.conf.ejs', hostVars({ webserver: 'apache-wsgi', services: [helloService('/hello')] }));
  t.regex(conf, /WSGIDaemonProcess clam-hello .* shutdown-timeout=60 /);
});

function play(webserver: string) {
  const playbook = loadPlaybook(join(repoRoot, 'playbooks', 'clam-webservice.yml'));
  return compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars: { webserver, services: [helloService('/hello')] }, inventoryDir: examplesDir });
}

test('the playbook writes the socket unit and starts it before uWSGI; its restart handler comes before uWSGI\'s', (t) => {
  const compiled = play('nginx');
  const names = compiled.tasks.map((task) => task.name);
  const socketFile = names.findIndex((name) => name.startsWith('systemd socket unit clam-hello.socket'));
  const socketStart = names.findIndex((name) => name.startsWith('Start clam-hello.socket at boot and now'));
  const serviceStart = names.indexOf('Start clam-hello at boot and now');
  t.true(socketFile >= 0 && socketStart > socketFile && serviceStart > socketStart, names.join('\n'));
  const handlers = [...compiled.handlers.keys()];
  t.true(handlers.indexOf('restart the socket of clam-hello') >= 0);
  t.true(handlers.indexOf('restart the socket of clam-hello') < handlers.indexOf('restart clam-hello'), handlers.join('\n'));
});

test('takeover: the uWSGI port may be held by the service and by its socket unit; both unit files are backed up if foreign', (t) => {
  const takeover = play("nginx").tasks.find((task) => task.kind === "module" && task.module.name === "takeover")! as { args: unknown };
  const args = takeover.args as { ports: Array<{ port: number; owners: string[] }>; files: string[] };
  t.deepEqual(args.ports.find((entry) => entry.port === 8888)?.owners, ['clam-hello.service', 'clam-hello.socket']);
  t.true(args.files.includes('/etc/systemd/system/clam-hello.socket'));
});
