/**
 * The built-in playbook compiled for one host per webserver (what `validate` does), with the tasks
 * that would run on a bookworm host selected by their `when`: checks which files each mode writes,
 * what it installs and what the firewall allows, without a host.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { evaluateCondition } from '../../../src/playbook/expressions.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { CompiledTask, ModuleTask } from '../../../src/playbook/types.js';
import { tempTree } from '../input/temp-files.js';
import { examplesDir, helloService, repoRoot, shoutService } from './render.js';

// vars_schema: clam and clam_check come from the CLAM plugin, as in the CLI.
registerBuiltinPlugins();

const playbook = loadPlaybook(join(repoRoot, 'playbooks', 'clam-webservice.yml'));
const bookworm = { os: { id: 'debian', versionId: '12', codename: 'bookworm' }, init: 'systemd' };

function tasksFor(vars: Record<string, unknown>, facts: object = bookworm) {
  const play = compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars, inventoryDir: examplesDir });
  const runs = (task: CompiledTask) => evaluateCondition(task.when, { ...task.scope, facts });
  const tasks = play.tasks.filter((task): task is ModuleTask => task.kind === 'module' && runs(task));
  const handlers = [...play.handlers.values()].filter((task): task is ModuleTask => task.kind === 'module' && runs(task));
  return { tasks, handlers, names: tasks.map((task) => task.name) };
}

/** The tasks after the last health check. */
function afterTheChecks(names: string[]): string[] {
  const last = names.findLastIndex((name) => name.startsWith('Health check'));
  return names.slice(last + 1);
}

function argsOf(tasks: ModuleTask[], name: string): Record<string, unknown> {
  const task = tasks.find((t) => t.name === name);
  if (!task) throw new Error(`no task '${name}' in: ${tasks.map((t) => t.name).join(', ')}`);
  return task.args as Record<string, unknown>;
}

const twoServices = [helloService('/'), helloService('/hello', { name: 'hello2' })];

test('nginx: uWSGI units and the nginx server block; Apache is stopped; health check last', (t) => {
  const { tasks, names } = tasksFor({ webserver: 'nginx', services: twoServices });
  t.true(names.includes('Install nginx'));
  t.false(names.includes('Install Apache'));
  t.true(names.includes('Stop and disable Apache (this host uses nginx)'));
  t.is(argsOf(tasks, 'nginx server block').dest, '/etc/nginx/conf.d/clam-web1.conf');
  t.is(argsOf(tasks, 'nginx server block').validate, 'nginx -t');
  t.is(argsOf(tasks, 'uWSGI configuration of hello2').dest, '/etc/clam/hello2/uwsgi.ini');
  t.is(argsOf(tasks, 'systemd unit clam-hello').dest, '/etc/systemd/system/clam-hello.service');
  t.deepEqual(argsOf(tasks, 'Python packages of hello').name, ['uwsgi']);
  // uWSGI mounts the same entry point mod_wsgi would run
  t.like(argsOf(tasks, 'WSGI entry point of hello'), { src: 'app.wsgi.ejs', dest: '/etc/clam/hello/app.wsgi', owner: 'root', group: 'clam', mode: 0o640 });
  t.is(argsOf(tasks, 'Environment of hello2').dest, '/etc/clam/hello2/env');
  t.false(names.includes('Enable mod_headers (the X-Forwarded-* headers are set by Apache)'));
  const check = 'Health check (each service answers through the webserver)';
  t.deepEqual(argsOf(tasks, check).urls, ['http://127.0.0.1:80/', 'http://127.0.0.1:80/hello/']);
  t.deepEqual(afterTheChecks(names), [
    'Releases of hello beyond the newest 5',
    'Releases of hello2 beyond the newest 5',
    'Remove the virtualenv and source of hello from before releases (the service runs from releases/ now)',
    'Remove the virtualenv and source of hello2 from before releases (the service runs from releases/ now)',
  ], 'only the clean-up of old releases follows the health checks: the previous release stays until the new one answers');
});

test('apache-uwsgi: the virtual host validated by configtest, mod_proxy_uwsgi enabled, nginx stopped', (t) => {
  const { tasks, names } = tasksFor({ webserver: 'apache-uwsgi', services: twoServices });
  t.true(names.includes('Install Apache'));
  t.false(names.includes('Install mod_proxy_uwsgi (its own package before Debian 12)'), 'part of apache2 on Debian 12');
  t.true(names.includes('Stop and disable nginx (this host uses Apache)'));
  t.is(argsOf(tasks, 'Enable mod_proxy and mod_proxy_uwsgi').creates, '/etc/apache2/mods-enabled/proxy_uwsgi.load');
  t.is(argsOf(tasks, 'Apache virtual host').validate, 'apache2ctl configtest');
  t.deepEqual(argsOf(tasks, 'Enable the virtual host'), { path: '/etc/apache2/sites-enabled/clam.conf', state: 'link', src: '../sites-available/clam.conf' });
  t.is(argsOf(tasks, 'Disable Apache\'s default site').path, '/etc/apache2/sites-enabled/000-default.conf');
  t.true(names.includes('Start clam-hello at boot and now'));
  t.is(argsOf(tasks, 'Enable mod_headers (the X-Forwarded-* headers are set by Apache)').creates, '/etc/apache2/mods-enabled/headers.load');
});

test('apache-uwsgi on bullseye installs the separate mod_proxy_uwsgi package', (t) => {
  const { names } = tasksFor({ webserver: 'apache-uwsgi', services: twoServices }, { ...bookworm, os: { id: 'debian', versionId: '11', codename: 'bullseye' } });
  t.true(names.includes('Install mod_proxy_uwsgi (its own package before Debian 12)'));
});

test('apache-wsgi: no uWSGI (units stopped, not installed), an entry point per service, mod_wsgi enabled', (t) => {
  const { tasks, names, handlers } = tasksFor({ webserver: 'apache-wsgi', services: twoServices });
  t.true(names.includes('Install mod_wsgi for Python 3'));
  t.true(names.includes('Stop and disable uWSGI of hello (mod_wsgi runs it inside Apache)'));
  t.false(names.some((name) => name.startsWith('uWSGI configuration') || name.startsWith('systemd unit') || name.startsWith('Start clam-')));
  t.false((argsOf(tasks, 'Python packages of hello').name as string[]).includes('uwsgi'));
  t.is(argsOf(tasks, 'WSGI entry point of hello2').dest, '/etc/clam/hello2/app.wsgi');
  t.is(argsOf(tasks, 'WSGI entry point of hello2').mode, 0o640);
  t.true(names.includes('Enable mod_wsgi'));
  t.deepEqual(handlers.map((h) => h.name).sort(), ['reload apache2', 'restart mod_wsgi daemons of hello', 'restart mod_wsgi daemons of hello2', 'update the trusted CA certificates']);
});

test('pip: packages, the source when it is a package, and the private index', (t) => {
  const { tasks } = tasksFor({
    pip_index_url: 'http://10.0.0.1:3141/simple/',
    pip_trusted_host: '10.0.0.1',
    services: [helloService('/', { pip_packages: ['clam>=3.2'] })],
  });
  const pip = argsOf(tasks, 'Python packages of hello');
  t.deepEqual(pip.name, ['uwsgi', 'clam>=3.2']);
  t.regex(pip.virtualenv as string, /^\/opt\/clam\/hello\/releases\/[0-9a-f]{12}\/venv$/, 'installed into its release, not into the one that runs');
  t.is(pip.index_url, 'http://10.0.0.1:3141/simple/');
  t.deepEqual(pip.trusted_host, ['10.0.0.1']);
  t.true(tasks.some((task) => task.name === "Link CLAM's static files of hello"), 'clam installed: its static files are linked');
});

test('the compiler is installed by pip where something compiles, not by the packages every host gets', (t) => {
  const { tasks } = tasksFor({ services: [helloService('/')] });
  const installs = tasks.filter((task) => task.module.name === 'apt').flatMap((task) => task.args as { name: string[] }).flatMap((args) => args.name);
  t.deepEqual(
    installs.filter((name) => /gcc|-dev$/.test(name)),
    [],
  );
  t.true(installs.includes('python3-venv'));
  t.deepEqual(argsOf(tasks, 'Python packages of hello').build_packages, [
    ['*', ['python3-dev', 'gcc', 'libc6-dev']],
    ['lxml', ['libxml2-dev', 'libxslt1-dev']],
  ]);
});

test('services without a source upload nothing; with tls the certificate and key are copied, the key 0600', (t) => {
  const { tasks, names } = tasksFor({
    tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' },
    services: [helloService('/'), { name: 'elsewhere', wsgi: '/srv/app/app.wsgi', url_prefix: '/elsewhere' }],
  });
  t.true(names.includes('Upload the source of hello'));
  t.false(names.includes('Upload the source of elsewhere'));
  t.is(argsOf(tasks, 'TLS private key').dest, '/etc/clam/tls/key.pem');
  t.is(argsOf(tasks, 'TLS private key').mode, 0o600);
  t.deepEqual(argsOf(tasks, 'Health check (each service answers through the webserver)').urls, ['https://127.0.0.1:443/', 'https://127.0.0.1:443/elsewhere/']);
});

test('ufw: deny by default, allow HTTP (and HTTPS with tls) and firewall_allow, purge the rest; never uWSGI ports', (t) => {
  const rules = (vars: Record<string, unknown>) =>
    argsOf(tasksFor({ services: twoServices, ...vars }).tasks, 'Firewall (SSH, HTTP(S) and firewall_allow; everything else denied)');
  const plain = rules({});
  t.is(plain.default_incoming, 'deny');
  t.is(plain.purge, true);
  const allow = (port: string, proto: string) => ({ rule: 'allow', port, proto, from: 'any' });
  t.deepEqual(plain.rules, [allow('80', 'tcp')]);
  const full = rules({ http_port: 8080, tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, firewall_allow: ['8443/tcp', '9000:9010/udp', '53'] });
  t.deepEqual(full.rules, [allow('8080', 'tcp'), allow('443', 'tcp'), allow('8443', 'tcp'), allow('9000:9010', 'udp'), allow('53', 'any')]);
  t.false((full.rules as Array<{ port: string }>).some((rule) => ['8888', '8889'].includes(rule.port)));
  t.false(tasksFor({ firewall: false, services: twoServices }).names.some((name) => name.startsWith('Firewall') || name === 'Install ufw'));
});

test('units of services no longer in the inventory are stopped: the ones listed are kept', (t) => {
  const cleanup = argsOf(tasksFor({ services: twoServices }).tasks, 'Stop and disable uWSGI of services no longer in the inventory');
  t.true((cleanup.cmd as string).includes('case " clam-hello clam-hello2 " in'));
  t.true((cleanup.unless as string).includes('case " clam-hello clam-hello2 " in'));
  t.regex(cleanup.cmd as string, /systemctl disable --now "\$unit"/);
});

// --- a CLAM service beside a plain WSGI one

const clamAndPlain = [shoutService('/shout'), helloService('/hello')];
const SECRET_TASK = "CLAM's secret key of shout";
const CLAM_CHECK = 'Health check of the CLAM service shout (its public URL, its stylesheet, its settings module for the dispatcher)';

test('a CLAM service gets its secret key file and the CLAM health check; the plain one the HTTP check', (t) => {
  const { tasks, names } = tasksFor({ webserver: 'nginx', services: clamAndPlain });
  t.is(argsOf(tasks, SECRET_TASK).creates, '/etc/clam/shout/clam-secrets', 'generated once, kept across deployments');
  t.false(names.includes("CLAM's secret key of hello"));
  t.deepEqual(argsOf(tasks, 'Health check (each service answers through the webserver)').urls, ['http://127.0.0.1:80/hello/']);
  t.like(argsOf(tasks, CLAM_CHECK), { url: 'http://127.0.0.1:80/shout/', public_url: 'http://web1/shout', env_file: '/etc/clam/shout/env', user: 'clam' });
  t.true(afterTheChecks(names).every((name) => /^(Releases of|Remove the virtualenv and source of) /.test(name)), 'the checks come last, before the clean-up of old releases');
  const only = tasksFor({ services: [shoutService('/')] }).names;
  t.false(only.includes('Health check (each service answers through the webserver)'), 'no plain service, no HTTP check');
});

test('the packages the services need are installed in one task: CLAM\'s, nginx\'s XSLT filter, apt_packages', (t) => {
  const packages = (vars: Record<string, unknown>) => tasksFor(vars).tasks.find((task) => task.name.startsWith('Install what the services need'))?.args;
  t.like(packages({ services: clamAndPlain }), { name: ['libxml2', 'libxslt1.1', 'zip', 'bzip2', 'poppler-utils', 'catdoc', 'libnginx-mod-http-xslt-filter'] });
  t.like(packages({ webserver: 'apache-wsgi', services: [helloService('/', { apt_packages: ['tesseract-ocr'] })] }), { name: ['tesseract-ocr'] });
  t.is(packages({ services: [helloService('/')] }), undefined, 'nothing to install: no task');
});

test('the secret key command writes random SECRET_KEY and PRIVATEACCESSTOKEN, 0640 for root:clam, in the env file format the entry point reads', (t) => {
  const cmd = argsOf(tasksFor({ services: clamAndPlain }).tasks, SECRET_TASK).cmd as string;
  // `chown root:clam` needs the group clam: a stand-in on PATH records the call instead
  const dir = tempTree({ 'bin/chown': '#!/bin/sh\necho "$@" >> "$(dirname "$0")/chown.log"\n' });
  chmodSync(join(dir, 'bin/chown'), 0o755);
  const run = (file: string) => {
    const result = spawnSync('sh', ['-c', cmd.replaceAll('/etc/clam/shout/clam-secrets', file)], { encoding: 'utf8', env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` } });
    t.is(result.status, 0, result.stderr);
    return readFileSync(file, 'utf8');
  };
  const first = run(join(dir, 'first'));
  t.regex(first, /^SECRET_KEY="[0-9a-f]{64}"\nPRIVATEACCESSTOKEN="[0-9a-f]{32}"\n$/);
  t.is(statSync(join(dir, 'first')).mode & 0o777, 0o640);
  t.false(existsSync(join(dir, 'first.new')));
  t.regex(readFileSync(join(dir, 'bin/chown.log'), 'utf8'), /^root:clam .*first\.new$/m);
  t.not(run(join(dir, 'second')), first, 'drawn at random');
});

test('tls.acme: certbot installed, a stand-in certificate before the webserver configuration, the certificate requested after the handlers, renewed by its timer', (t) => {
  const vars = { tls: { acme: { email: 'admin@example.org', directory: 'letsencrypt-staging' } }, services: twoServices };
  const play = compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars, inventoryDir: examplesDir });
  const order = play.tasks.filter((task) => task.kind !== 'module' || evaluateCondition(task.when, { ...task.scope, facts: bookworm })).map((task) => (task.kind === 'module' ? task.name : task.kind));
  const { tasks, names } = tasksFor(vars);
  t.deepEqual(argsOf(tasks, 'Install certbot (a certificate from ACME, tls.acme) and openssl (its stand-in until then)').name, ['certbot', 'openssl']);
  const standIn = 'Self-signed stand-in for the certificate of web1 until the ACME CA issues it';
  t.is(argsOf(tasks, standIn).creates, '/etc/clam/tls/acme/fullchain.pem');
  const certificate = 'Certificate of web1 from https://acme-staging-v02.api.letsencrypt.org/directory (certbot, HTTP-01)';
  t.like(argsOf(tasks, certificate), { domain: 'web1', email: 'admin@example.org', webroot: '/var/www/clam-acme', deploy_hook: '/etc/clam/tls/acme/deploy-hook', installed_cert: '/etc/clam/tls/acme/fullchain.pem' });
  // the webserver answers the challenges (its configuration reloaded by the handlers) before certbot asks
  t.true(order.indexOf(standIn) < order.indexOf('nginx server block'));
  t.true(order.indexOf('nginx server block') < order.lastIndexOf('flush_handlers'));
  t.is(order.indexOf(certificate), order.lastIndexOf('flush_handlers') + 1);
  t.true(order.indexOf(certificate) < order.indexOf('Health check (each service answers through the webserver)'));
  t.true(names.includes("certbot's renewal timer"));
  t.false(names.includes('TLS certificate'), 'nothing uploaded');
  t.true((argsOf(tasks, 'Firewall (SSH, HTTP(S) and firewall_allow; everything else denied)').rules as Array<{ port: string }>).some((rule) => rule.port === '443'));

  const plain = tasksFor({ tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, services: twoServices }).names;
  t.true(plain.includes('TLS certificate'));
  t.false(plain.some((name) => /certbot|ACME CA issues|acme/i.test(name) && name !== 'No private ACME CA among the host\'s trusted CAs'));
});
