import { spawnSync } from 'node:child_process';
import test from 'ava';
import { helloService, hostVars, render, services } from './render.js';

function envFile(env: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const vars = hostVars({ services: [helloService('/hello', { env, ...extra })] });
  return render('service.env.ejs', vars, services(vars)[0]);
}

function assignments(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

test('one double-quoted assignment per variable, CLAM_ROOT = data_dir unless env sets it', (t) => {
  t.deepEqual(assignments(envFile({ CONFIGFILE: '/etc/clam/hello/hello.yml' })), ['CONFIGFILE="/etc/clam/hello/hello.yml"', 'CLAM_ROOT="/var/lib/clam/hello"']);
  t.deepEqual(assignments(envFile({ CLAM_ROOT: '/srv/root' })), ['CLAM_ROOT="/srv/root"']);
});

test('quotes and backslashes are escaped; $, %, # and ; stay as they are (systemd takes them literally)', (t) => {
  t.deepEqual(assignments(envFile({ SECRET_KEY: 'a"b\\c $(HOME) ${X} 100% #;' })), ['SECRET_KEY="a\\"b\\\\c $(HOME) ${X} 100% #;"', 'CLAM_ROOT="/var/lib/clam/hello"']);
});

test('a shell reading the file the way systemd does gets the values back unchanged', (t) => {
  // for double-quoted values without $ or `, sh's rules for \\ and \" are systemd's
  const value = 'it\'s "quoted" \\ back # ; 100%';
  const text = envFile({ GREETING: value });
  const result = spawnSync('sh', ['-c', `${assignments(text)[0]}; printf '%s' "$GREETING"`], { encoding: 'utf8' });
  t.is(result.stdout, value);
});
