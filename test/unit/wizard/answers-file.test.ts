import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse } from 'yaml';
import { workspace } from './workspace.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

function init(cwd: string, home: string, ...args: string[]) {
  return spawnSync(process.execPath, [cli, 'init', ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * What a user would notice is a wizard waiting for input that never comes. Its stdin here is a pipe
 * this test holds open and never writes to: not a terminal, and unlike /dev/null it never ends, so
 * a prompt reading it would wait for ever. The test waits for one of two events: the exit, or the
 * dialogue starting (it writes its introduction and first question to stdout; the answer without a
 * terminal goes to stderr). No time bound decides it, only a backstop for a hang without output,
 * far above the start-up time of a loaded machine (and below ava's timeout). Serial: the other
 * tests' spawnSync would block this process's event loop, and the events with it.
 */
const BACKSTOP_MS = 5 * 60_000;

test.serial('without a terminal, init does not wait for input: it exits 1 on its own and names init --answers with its keys', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'clamprovision-notty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [cli, 'init'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const prompted = new Promise<'prompted'>((resolve) =>
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      resolve('prompted');
    }),
  );
  const backstop = new Promise<'waited'>((resolve) => setTimeout(resolve, BACKSTOP_MS, 'waited').unref());
  const outcome = await Promise.race([exited, prompted, backstop]);
  child.stdin!.end();
  if (typeof outcome === 'string') child.kill('SIGKILL');

  t.not(outcome, 'prompted', `init started the dialogue on a stdin that is not a terminal:\n${stdout}`);
  t.not(outcome, 'waited', `init was still running after ${BACKSTOP_MS / 1000} s with an open stdin:\n${stderr}`);
  t.is(outcome, 1);
  t.is(stdout, '', 'no prompt was shown');
  t.regex(stderr, /clamprovision init --answers answers\.yml/);
  for (const key of ['servers:', 'address:', 'user:', 'port:', 'key_file:', 'sudo:', 'webserver:', 'services:', 'source:', 'name:', 'wsgi:', 'url_prefix:', 'server_name:', 'tls:', 'firewall:', 'pip_index_url:']) {
    t.true(stderr.includes(key), `the message documents ${key}`);
  }
  t.false(existsSync(path.join(dir, 'inventory.yml')));
});

test('--answers: a minimal file gets the dialogue\'s defaults and passes validate', (t) => {
  const ws = workspace();
  writeFileSync(path.join(ws.project, 'answers.yml'), 'servers:\n  - address: 192.0.2.30\nservices:\n  - source: hello\n');
  const result = init(ws.project, ws.home, '--answers', 'answers.yml');
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /clamprovision validate inventory\.yml[\s\S]*clamprovision plan inventory\.yml[\s\S]*clamprovision apply inventory\.yml/);
  const inventory = parse(readFileSync(path.join(ws.project, 'inventory.yml'), 'utf8'));
  t.deepEqual(inventory.all.hosts['192.0.2.30'], { ansible_user: 'root', ansible_port: 22, ansible_ssh_private_key_file: '~/.ssh/id_ed25519', ansible_become: false });
  t.like(inventory.all.vars, { webserver: 'nginx', server_name: '192.0.2.30', firewall: true, services: [{ name: 'hello', source: 'hello', wsgi: 'hello.wsgi', url_prefix: '/' }] });

  const validated = spawnSync(process.execPath, [cli, 'validate', 'inventory.yml'], { cwd: ws.project, encoding: 'utf8', env: { ...process.env, HOME: ws.home } });
  t.is(validated.status, 0, validated.stderr);
});

test('--answers accepts JSON with the same keys', (t) => {
  const ws = workspace();
  const answers = { servers: [{ address: 'clam.example.org', user: 'deploy', key_file: '', sudo_password: false }], webserver: 'apache-uwsgi', services: [{ source: 'clamsvc', url_prefix: '/clam' }] };
  writeFileSync(path.join(ws.project, 'answers.json'), JSON.stringify(answers));
  const result = init(ws.project, ws.home, '--answers', 'answers.json', '--output', 'site.yml');
  t.is(result.status, 0, result.stderr);
  const inventory = parse(readFileSync(path.join(ws.project, 'site.yml'), 'utf8'));
  t.deepEqual(inventory.all.hosts['clam.example.org'], { ansible_user: 'deploy', ansible_port: 22, ansible_become: true });
  t.like(inventory.all.vars, { webserver: 'apache-uwsgi', services: [{ name: 'clamsvc', wsgi: 'clamsvc.wsgi', url_prefix: '/clam', pip_packages: ['clam'] }] });
});

test('--answers: every wrong answer is reported with file:line:col and nothing is written', (t) => {
  const ws = workspace();
  writeFileSync(
    path.join(ws.project, 'answers.yml'),
    [
      'servers:',
      '  - address: 192.0.2.30',
      '    port: 70000',
      'webserver: ngnix',
      'services:',
      '  - source: missing',
      '  - source: hello',
      '    name: bad-name',
      '    url_prefix: hello',
      '    wgsi: hello.wsgi',
      '',
    ].join('\n'),
  );
  const result = init(ws.project, ws.home, '--answers', 'answers.yml');
  t.is(result.status, 1);
  const positions = result.stderr.trim().split('\n').map((line) => /^error: ([^:]+:\d+:\d+): /.exec(line)?.[1]);
  t.deepEqual(positions, ['answers.yml:3:11', 'answers.yml:4:12', 'answers.yml:6:13', 'answers.yml:8:11', 'answers.yml:9:17', 'answers.yml:10:5']);
  t.regex(result.stderr, /answers\.yml:3:11: servers\[0\]: the port must be a whole number from 1 to 65535, not 70000/);
  t.regex(result.stderr, /answers\.yml:4:12: webserver must be one of nginx, apache-uwsgi, apache-wsgi, not 'ngnix' \(did you mean 'nginx'\?\)/);
  t.regex(result.stderr, /answers\.yml:6:13: services\[0\]: the directory .*missing does not exist/);
  t.regex(result.stderr, /answers\.yml:8:11: services\[1\]: 'bad-name' is not a valid name/);
  t.regex(result.stderr, /answers\.yml:9:17: services\[1\]: the URL prefix must start with a slash/);
  t.regex(result.stderr, /answers\.yml:10:5: services\[1\]: unknown key 'wgsi' \(did you mean 'wsgi'\?\)/);
  t.false(existsSync(path.join(ws.project, 'inventory.yml')));
});

test('--answers never overwrites an existing inventory', (t) => {
  const ws = workspace();
  writeFileSync(path.join(ws.project, 'answers.yml'), 'servers:\n  - address: 192.0.2.30\nservices:\n  - source: hello\n');
  writeFileSync(path.join(ws.project, 'inventory.yml'), 'mine\n');
  const result = init(ws.project, ws.home, '--answers', 'answers.yml');
  t.is(result.status, 1);
  t.regex(result.stderr, /inventory\.yml exists already; remove it or choose another file with --output/);
  t.is(readFileSync(path.join(ws.project, 'inventory.yml'), 'utf8'), 'mine\n');
});

test('--answers never writes through a dangling symbolic link at the output path', (t) => {
  const ws = workspace();
  writeFileSync(path.join(ws.project, 'answers.yml'), 'servers:\n  - address: 192.0.2.30\nservices:\n  - source: hello\n');
  const elsewhere = path.join(ws.home, 'planted.yml');
  symlinkSync(elsewhere, path.join(ws.project, 'inventory.yml'));
  const result = init(ws.project, ws.home, '--answers', 'answers.yml');
  t.is(result.status, 1, result.stderr);
  t.regex(result.stderr, /inventory\.yml exists already/);
  t.false(existsSync(elsewhere), 'the link target was created');
});

test("--answers: tls.acme asks Let's Encrypt for server_name; a bad email or an IP address as server_name is refused with its position", (t) => {
  const ws = workspace();
  writeFileSync(path.join(ws.project, 'answers.yml'), 'servers:\n  - address: 192.0.2.30\nservices:\n  - source: hello\nserver_name: clam.example.org\ntls: {acme: {email: webmaster@example.org}}\n');
  const result = init(ws.project, ws.home, '--answers', 'answers.yml');
  t.is(result.status, 0, result.stderr);
  const text = readFileSync(path.join(ws.project, 'inventory.yml'), 'utf8');
  t.deepEqual(parse(text).all.vars.tls, { acme: { email: 'webmaster@example.org' } });
  t.regex(text, /# HTTPS on port 443 with a certificate from Let's Encrypt/);
  const validated = spawnSync(process.execPath, [cli, 'validate', 'inventory.yml'], { cwd: ws.project, encoding: 'utf8', env: { ...process.env, HOME: ws.home } });
  t.is(validated.status, 0, validated.stderr);

  const bad = workspace();
  writeFileSync(path.join(bad.project, 'answers.yml'), 'servers:\n  - address: 192.0.2.30\nservices:\n  - source: hello\ntls: {acme: {email: webmaster}}\n');
  const refused = init(bad.project, bad.home, '--answers', 'answers.yml');
  t.is(refused.status, 1);
  t.regex(refused.stderr, /answers\.yml:5:21: tls\.acme: 'webmaster' is not an email address/);
  t.regex(refused.stderr, /answers\.yml:1:1: server_name: a certificate from Let's Encrypt needs a DNS name as server_name, not '192\.0\.2\.30'/);
  t.false(existsSync(path.join(bad.project, 'inventory.yml')));
});
