import test from 'ava';
import { directives, helloService, hostVars, render, services } from './render.js';

function ini(prefix: string, extra: Record<string, unknown> = {}): string[] {
  const vars = hostVars({ services: [helloService(prefix, extra)] });
  return directives(render('uwsgi.ini.ejs', vars, services(vars)[0]));
}

test('at the root: the entry point is mounted at / and uWSGI speaks the uwsgi protocol on the loopback only', (t) => {
  const lines = ini('/');
  t.is(lines[0], '[uwsgi]');
  t.true(lines.includes('socket = 127.0.0.1:8888'));
  // the entry point loads the env file, then runs the service's own WSGI script
  t.true(lines.includes('mount = /=/etc/clam/hello/app.wsgi'));
  t.true(lines.includes('manage-script-name = true'));
  t.true(lines.includes('master = true'));
  t.true(lines.includes('processes = 2'));
  t.true(lines.includes('threads = 2'));
  t.false(lines.some((line) => /^(http|http-socket|https)\s*=/.test(line)), 'no HTTP listener of its own');
});

test('under /hello: the mount prefix is /hello (uWSGI moves it into SCRIPT_NAME)', (t) => {
  const lines = ini('/hello');
  t.true(lines.includes('mount = /hello=/etc/clam/hello/app.wsgi'));
  t.true(lines.includes('manage-script-name = true'));
});

test('the virtualenv, working directory and unprivileged user of the service', (t) => {
  const lines = ini('/hello');
  t.true(lines.includes('virtualenv = /opt/clam/hello/current/venv'));
  t.true(lines.includes('chdir = /opt/clam/hello/current/src'));
  t.true(lines.includes('uid = clam'));
  t.true(lines.includes('gid = clam'));
});

test('a pip-installed uWSGI has Python built in: no plugins line', (t) => {
  t.false(ini('/').some((line) => line.startsWith('plugins')));
});

test('environment: VIRTUAL_ENV and PATH with the venv first come from the env file the unit reads; none is in the ini', (t) => {
  const vars = hostVars({ services: [helloService('/hello', { env: { CONFIGFILE: '/etc/clam/hello/hello.yml' } })] });
  const service = services(vars)[0]!;
  const lines = directives(render('uwsgi.ini.ejs', vars, service));
  // uWSGI expands $(VAR) and %x in ini values: the environment goes through systemd's EnvironmentFile
  t.false(lines.some((line) => /^env\s*=/.test(line) || /VIRTUAL_ENV|PATH|CONFIGFILE|CLAM_ROOT/.test(line)));
  t.true(directives(render('clam-service.service.ejs', vars, service)).includes(`EnvironmentFile=${service.env_file}`));
  const envFile = render('service.env.ejs', vars, service).split('\n');
  t.true(envFile.includes('VIRTUAL_ENV="/opt/clam/hello/current/venv"'));
  t.true(envFile.some((line) => line.startsWith('PATH="/opt/clam/hello/current/venv/bin:')));
  t.true(envFile.includes('CONFIGFILE="/etc/clam/hello/hello.yml"'));
});

test('request headers up to 64 KiB (single sign-on cookies): buffer-size = 65535', (t) => {
  t.true(ini('/').includes('buffer-size = 65535'));
});

test('two services get their own ports and mounts', (t) => {
  const vars = hostVars({ services: [helloService('/'), helloService('/other', { name: 'other' })] });
  const [first, second] = services(vars);
  const one = directives(render('uwsgi.ini.ejs', vars, first));
  const two = directives(render('uwsgi.ini.ejs', vars, second));
  t.true(one.includes('socket = 127.0.0.1:8888'));
  t.true(two.includes('socket = 127.0.0.1:8889'));
  t.true(two.includes('mount = /other=/etc/clam/other/app.wsgi'));
  t.true(two.includes('virtualenv = /opt/clam/other/current/venv'));
});
