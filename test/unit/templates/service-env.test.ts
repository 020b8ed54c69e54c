import { spawnSync } from 'node:child_process';
import test from 'ava';
import { helloService, hostVars, render, services, shoutService, type Vars } from './render.js';

function envFile(env: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return envFileOf(hostVars({ services: [helloService('/hello', { env, ...extra })] }));
}

function envFileOf(vars: Vars): string {
  return render('service.env.ejs', vars, services(vars)[0]);
}

function assignments(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

/** The assignment of `name`, as written. */
function assignment(text: string, name: string): string | undefined {
  return assignments(text).find((line) => line.startsWith(`${name}=`));
}

const VENV = ['VIRTUAL_ENV="/opt/clam/hello/current/venv"', 'PATH="/opt/clam/hello/current/venv/bin:/usr/local/bin:/usr/bin:/bin"', 'PYTHONPATH="/opt/clam/hello/current/src"'];

test('one double-quoted assignment per variable, CLAM_ROOT = data_dir unless env sets it', (t) => {
  t.deepEqual(assignments(envFile({ CONFIGFILE: '/etc/clam/hello/hello.yml' })), [...VENV, 'CLAM_ROOT="/var/lib/clam/hello"', 'CONFIGFILE="/etc/clam/hello/hello.yml"']);
  t.deepEqual(assignments(envFile({ CLAM_ROOT: '/srv/root' })), [...VENV, 'CLAM_ROOT="/srv/root"']);
});

test('quotes and backslashes are escaped; $, %, # and ; stay as they are (systemd takes them literally)', (t) => {
  t.is(assignment(envFile({ SECRET_KEY: 'a"b\\c $(HOME) ${X} 100% #;' }), 'SECRET_KEY'), 'SECRET_KEY="a\\"b\\\\c $(HOME) ${X} 100% #;"');
});

test('a shell reading the file the way systemd does gets the values back unchanged', (t) => {
  // for double-quoted values without $ or `, sh's rules for \\ and \" are systemd's
  const value = 'it\'s "quoted" \\ back # ; 100%';
  const text = envFile({ GREETING: value });
  const result = spawnSync('sh', ['-c', `${text}\nprintf '%s' "$GREETING"`], { encoding: 'utf8' });
  t.is(result.stdout, value, result.stderr);
});

test('a CLAM service: CLAMFORCEURL is its public URL, CONFIGFILE its NAME.config.yml, PYTHONPATH its source', (t) => {
  const text = envFileOf(hostVars({ server_name: 'clam.example.org', http_port: 8080, services: [shoutService('/shout')] }));
  t.is(assignment(text, 'CLAMFORCEURL'), 'CLAMFORCEURL="http://clam.example.org:8080/shout"');
  t.is(assignment(text, 'CONFIGFILE'), 'CONFIGFILE="/opt/clam/shout/current/src/shout.config.yml"');
  t.is(assignment(text, 'PYTHONPATH'), 'PYTHONPATH="/opt/clam/shout/current/src"');
  t.is(assignment(text, 'CLAM_ROOT'), 'CLAM_ROOT="/var/lib/clam/shout"');
  t.is(assignment(envFileOf(hostVars({ tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, services: [shoutService('/')] })), 'CLAMFORCEURL'), 'CLAMFORCEURL="https://web1"');
});

test('a plain WSGI service gets neither CLAMFORCEURL nor CONFIGFILE', (t) => {
  const text = envFile({});
  t.is(assignment(text, 'CLAMFORCEURL'), undefined);
  t.is(assignment(text, 'CONFIGFILE'), undefined);
});
