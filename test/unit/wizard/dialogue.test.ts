import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse } from 'yaml';
import { runInit } from '../../../src/wizard/init.js';
import { ScriptedTerminal, type Step } from './scripted-terminal.js';
import { HELLO_WSGI, deps, fakeCheck, workspace } from './workspace.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

/** `clamprovision validate FILE` with ~ being the workspace's home (where its SSH key is). */
function validate(file: string, home: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, 'validate', file], { encoding: 'utf8', env: { ...process.env, HOME: home, ...env } });
}

const ACCEPT_ALL_DEFAULTS: Step[] = [
  { ask: /Server address/, type: '192.0.2.10' },
  { ask: /SSH user.*root/ },
  { ask: /SSH port.*22/ },
  { ask: /Log in with/ },
  { ask: /Test the SSH connection to root@192\.0\.2\.10/ },
  { ask: /Add another server/ },
  { ask: /Which webserver/ },
  { ask: /Local directory of the service/ },
  { ask: /WSGI script/ },
  { ask: /Service name.*hello/ },
  { ask: /URL prefix.*\// },
  { ask: /Extra pip packages/ },
  { ask: /Add another webservice/ },
  { ask: /Server name.*192\.0\.2\.10/ },
  { ask: /Serve HTTPS/ },
  { ask: /Manage the firewall/ },
  { ask: /private package index/ },
];

test('pressing Enter everywhere (after the address) writes a commented inventory that validate accepts', async (t) => {
  const ws = workspace();
  const terminal = new ScriptedTerminal(structuredClone(ACCEPT_ALL_DEFAULTS));
  const check = fakeCheck([{ ok: true, os: 'Debian GNU/Linux 12 (bookworm)', sudo: 'not used' }]);
  const d = deps(ws, terminal, check, ws.hello);

  const code = await runInit({ output: 'inventory.yml' }, d);

  t.is(code, 0, d.captured.stderr.join(''));
  t.deepEqual(terminal.remaining, []);
  const text = readFileSync(path.join(ws.hello, 'inventory.yml'), 'utf8');
  const inventory = parse(text);
  t.deepEqual(inventory.all.hosts, {
    '192.0.2.10': { ansible_user: 'root', ansible_port: 22, ansible_ssh_private_key_file: '~/.ssh/id_ed25519', ansible_become: false },
  });
  t.deepEqual(inventory.all.vars, {
    webserver: 'nginx',
    server_name: '192.0.2.10',
    firewall: true,
    services: [{ name: 'hello', source: '.', wsgi: 'hello.wsgi', url_prefix: '/' }],
  });
  // Every setting is explained by a comment on the line(s) before it (or at its end).
  const lines = text.split('\n');
  for (const key of ['hosts:', 'ansible_user:', 'ansible_port:', 'ansible_ssh_private_key_file:', 'ansible_become:', 'webserver:', 'server_name:', 'firewall:', 'services:', 'source:', 'wsgi:', 'url_prefix:']) {
    const index = lines.findIndex((line) => line.trim().startsWith(key));
    t.true(index > 0, `${key} is written`);
    t.regex(lines[index - 1]!, /^\s*#/, `a comment explains ${key}`);
  }
  t.regex(text, /- name: hello # system id/);
  // The connection test ran with the answers given, and its result was shown.
  t.is(check.calls.length, 1);
  t.like(check.calls[0]![0], { address: '192.0.2.10', user: 'root', port: 22, key_file: path.join(ws.home, '.ssh', 'id_ed25519') });
  t.true(terminal.transcript.some((line) => line.includes('connected: Debian GNU/Linux 12 (bookworm)')));
  // The next steps name validate, plan, then apply, on the file written.
  const out = terminal.transcript.join('\n');
  t.regex(out, /clamprovision validate inventory\.yml[\s\S]*clamprovision plan inventory\.yml[\s\S]*clamprovision apply inventory\.yml/);

  const validated = validate(path.join(ws.hello, 'inventory.yml'), ws.home);
  t.is(validated.status, 0, validated.stderr);
});

test("a DNS name as server name: the dialogue offers Let's Encrypt and writes tls.acme with the email", async (t) => {
  const ws = workspace();
  const steps = ACCEPT_ALL_DEFAULTS.flatMap((step): Step[] => {
    if (String(step.ask) === String(/Server name.*192\.0\.2\.10/)) return [{ ask: /Server name/, type: 'clam.example.org' }];
    if (String(step.ask) === String(/Serve HTTPS/)) {
      return [
        { ask: /Serve HTTPS with a certificate you have/ },
        { ask: /Serve HTTPS with a certificate from Let's Encrypt for clam\.example\.org/, type: 'y' },
        { ask: /Email address for Let's Encrypt/, type: 'webmaster', rejected: /'webmaster' is not an email address/ },
        { ask: /Email address for Let's Encrypt/, type: 'webmaster@example.org' },
      ];
    }
    return [step];
  });
  const terminal = new ScriptedTerminal(steps);
  const d = deps(ws, terminal, fakeCheck([{ ok: true, os: 'Debian GNU/Linux 12 (bookworm)', sudo: 'not used' }]), ws.hello);
  t.is(await runInit({ output: 'inventory.yml' }, d), 0, d.captured.stderr.join(''));
  t.deepEqual(terminal.remaining, []);
  const text = readFileSync(path.join(ws.hello, 'inventory.yml'), 'utf8');
  t.deepEqual(parse(text).all.vars.tls, { acme: { email: 'webmaster@example.org' } });
  t.regex(text, /email: webmaster@example\.org # the Let's Encrypt account's contact/);
  const validated = validate(path.join(ws.hello, 'inventory.yml'), ws.home);
  t.is(validated.status, 0, validated.stderr);
});

/** Wrong answers first (each refused with its reason and asked again), then good ones; every optional part used. */
const WRONG_THEN_RIGHT: Step[] = [
  { ask: /Server address/, type: 'bad host!', rejected: /not a host name or IP address/ },
  { ask: /Server address/, type: '192.0.2.20' },
  { ask: /SSH user/, type: 'deploy' },
  { ask: /SSH port/, type: '70000', rejected: /port must be a whole number from 1 to 65535/ },
  { ask: /SSH port/, type: '2222' },
  { ask: /Log in with/, choose: 'another key file' },
  { ask: /Private key file/, type: '~/.ssh/id_ed25519.pub', rejected: /is a public key: give the private key/ },
  { ask: /Private key file/, type: '~/.ssh/nothing-here', rejected: /nothing-here does not exist/ },
  { ask: /Private key file/, type: '~/.ssh/id_ed25519' },
  { ask: /Use sudo to become root/ },
  { ask: /Does sudo ask deploy for a password/ },
  { ask: /Test the SSH connection to deploy@192\.0\.2\.20/ },
  { ask: /sudo password of deploy/, type: 's3cret-pw' },
  { ask: /Trust it and record it in ~\/\.ssh\/known_hosts/, type: 'y' },
  { ask: /Add another server/ },
  { ask: /Which webserver/, choose: 'apache-wsgi' },
  { ask: /Local directory of the service/, type: 'missing', rejected: /missing does not exist/ },
  { ask: /Local directory of the service/, type: 'hello' },
  { ask: /WSGI script/ },
  { ask: /Service name/, type: 'hello world', rejected: /not a valid name: use letters, digits and _ only/ },
  { ask: /Service name.*hello/ },
  { ask: /URL prefix/ },
  { ask: /Extra pip packages/ },
  { ask: /Add another webservice/, type: 'y' },
  { ask: /Local directory of the service/, type: 'clamsvc' },
  { ask: /WSGI script/ },
  { ask: /Service name/, type: 'hello', rejected: /another service is already called 'hello'/ },
  { ask: /Service name.*clamsvc/ },
  { ask: /URL prefix.*\/clamsvc/, type: 'svc', rejected: /must start with a slash, e\.g\. '\/svc'/ },
  { ask: /URL prefix/, type: '/', rejected: /another service is already served at \// },
  { ask: /URL prefix/ },
  { ask: /Extra pip packages.*clam/ },
  { ask: /Add another webservice/ },
  { ask: /Server name/, type: 'clam.example.org' },
  { ask: /Serve HTTPS/, type: 'y' },
  { ask: /Certificate file/, type: 'tls/missing.pem', rejected: /certificate file .*missing\.pem does not exist/ },
  { ask: /Certificate file/, type: 'tls/cert.pem' },
  { ask: /Private key file of the certificate/, type: 'tls/key.pem' },
  { ask: /Manage the firewall/, type: 'n' },
  { ask: /private package index/, type: 'y' },
  { ask: /Index URL/, type: 'ftp://pypi.example.org', rejected: /not an http\(s\) URL/ },
  { ask: /Index URL/, type: 'http://10.0.0.1:3141/simple' },
  { ask: /plain http; pip must be told to trust its host.*10\.0\.0\.1:3141/ },
];

/** The answers file that says what WRONG_THEN_RIGHT finally answered. */
const SAME_ANSWERS = `servers:
  - address: 192.0.2.20
    user: deploy
    port: 2222
    key_file: ~/.ssh/id_ed25519
webserver: apache-wsgi
services:
  - source: hello
  - source: clamsvc
server_name: clam.example.org
tls:
  cert: tls/cert.pem
  key: tls/key.pem
firewall: no
pip_index_url: http://10.0.0.1:3141/simple
`;

async function dialogueWithWrongAnswers() {
  const ws = workspace();
  const terminal = new ScriptedTerminal(structuredClone(WRONG_THEN_RIGHT));
  const check = fakeCheck([
    { ok: false, problem: 'host key of 192.0.2.20:2222 is not known (ssh-ed25519 SHA256:n0tR3alFingerprintAbc); check …', unknownHostKey: { keyType: 'ssh-ed25519', fingerprint: 'SHA256:n0tR3alFingerprintAbc' } },
    { ok: true, os: 'Ubuntu 24.04.1 LTS', sudo: 'works' },
  ]);
  const d = deps(ws, terminal, check);
  const code = await runInit({ output: 'inventory.yml' }, d);
  return { ws, terminal, check, code, d, file: path.join(ws.project, 'inventory.yml') };
}

test('wrong answers are refused with the reason and asked again; the written inventory holds the right ones', async (t) => {
  const { ws, terminal, check, code, d, file } = await dialogueWithWrongAnswers();
  t.is(code, 0, d.captured.stderr.join(''));
  t.deepEqual(terminal.remaining, []);

  // Each refusal shows the same question again, with the reason under it.
  const expectedRefusals = WRONG_THEN_RIGHT.filter((step) => step.rejected);
  t.is(terminal.refusals.length, expectedRefusals.length);
  terminal.refusals.forEach(({ question, screen }, i) => {
    t.true(screen.includes(question), `the question stays on screen:\n${screen}`);
    t.regex(screen, expectedRefusals[i]!.rejected!);
  });

  const text = readFileSync(file, 'utf8');
  const inventory = parse(text);
  t.deepEqual(inventory.all.hosts['192.0.2.20'], {
    ansible_user: 'deploy',
    ansible_port: 2222,
    ansible_ssh_private_key_file: '~/.ssh/id_ed25519',
    ansible_become: true,
    ansible_become_password: '${BECOME_PASSWORD}',
  });
  t.deepEqual(inventory.all.vars, {
    webserver: 'apache-wsgi',
    server_name: 'clam.example.org',
    tls: { cert: 'tls/cert.pem', key: 'tls/key.pem' },
    firewall: false,
    pip_index_url: 'http://10.0.0.1:3141/simple',
    pip_trusted_host: '10.0.0.1:3141',
    services: [
      { name: 'hello', source: 'hello', wsgi: 'hello.wsgi', url_prefix: '/' },
      { name: 'clamsvc', source: 'clamsvc', wsgi: 'clamsvc.wsgi', url_prefix: '/clamsvc', pip_packages: ['clam'] },
    ],
  });
  t.regex(text, /# The sudo password is never stored in this file/);

  // The sudo password typed for the test is used for the test only: never written, never shown.
  t.false(text.includes('s3cret-pw'));
  t.false(terminal.transcript.join('\n').includes('s3cret-pw'));
  t.like(check.calls[0]![1], { acceptNewHostKey: false, becomePassword: 's3cret-pw' });
  t.like(check.calls[1]![1], { acceptNewHostKey: true, becomePassword: 's3cret-pw' });
  const said = terminal.transcript.join('\n');
  t.regex(said, /ssh-ed25519 SHA256:n0tR3alFingerprintAbc/);
  t.regex(said, /connected: Ubuntu 24\.04\.1 LTS/);
  t.regex(said, /sudo works/);
  t.regex(said, /read -rs BECOME_PASSWORD && export BECOME_PASSWORD/);

  const withoutPassword = validate(file, ws.home);
  t.is(withoutPassword.status, 1);
  t.regex(withoutPassword.stderr, /BECOME_PASSWORD is not set/);
  const validated = validate(file, ws.home, { BECOME_PASSWORD: 'anything' });
  t.is(validated.status, 0, validated.stderr);
});

test('--answers with the same answers writes a byte-identical inventory', async (t) => {
  const { ws, file, code } = await dialogueWithWrongAnswers();
  t.is(code, 0);
  writeFileSync(path.join(ws.project, 'answers.yml'), SAME_ANSWERS);
  const d = deps(ws, new ScriptedTerminal([]), fakeCheck([]));
  const fromFile = await runInit({ output: 'from-answers.yml', answers: 'answers.yml' }, d);
  t.is(fromFile, 0, d.captured.stderr.join(''));
  t.is(readFileSync(path.join(ws.project, 'from-answers.yml'), 'utf8'), readFileSync(file, 'utf8').replaceAll('inventory.yml', 'from-answers.yml'));
  t.regex(d.captured.stdout.join(''), /clamprovision validate from-answers\.yml[\s\S]*clamprovision plan from-answers\.yml[\s\S]*clamprovision apply from-answers\.yml/);
});

test('a failed connection test says what is wrong and lets the user change the server, keeping the answers as defaults', async (t) => {
  const ws = workspace();
  const defaultsAfterServer = ACCEPT_ALL_DEFAULTS.slice(5).map((step) => (step.ask.source.startsWith('Server name') ? { ask: /Server name.*192\.0\.2\.40/ } : step));
  const terminal = new ScriptedTerminal([
    { ask: /Server address/, type: '192.0.2.40' },
    { ask: /SSH user/, type: 'deploy' },
    { ask: /SSH port/ },
    { ask: /Log in with/ },
    { ask: /Use sudo/ },
    { ask: /Does sudo ask deploy for a password/, type: 'n' },
    { ask: /Test the SSH connection/ },
    { ask: /What now/, choose: 'change the settings of this server' },
    { ask: /Server address.*192\.0\.2\.40/ },
    { ask: /SSH user.*deploy/ },
    { ask: /SSH port/, type: '2222' },
    { ask: /Log in with/ },
    { ask: /Use sudo/ },
    { ask: /Does sudo ask deploy for a password/, type: 'n' },
    { ask: /Test the SSH connection/ },
    ...defaultsAfterServer,
  ]);
  const check = fakeCheck([
    { ok: false, problem: 'connection refused by deploy@192.0.2.40:22 (is sshd running on that port?)' },
    { ok: true, os: 'Debian GNU/Linux 13 (trixie)', sudo: 'works' },
  ]);
  const d = deps(ws, terminal, check, ws.hello);
  t.is(await runInit({ output: 'inventory.yml' }, d), 0, d.captured.stderr.join(''));
  t.deepEqual(terminal.remaining, []);

  const said = terminal.transcript.join('\n');
  t.regex(said, /✘ connection refused by deploy@192\.0\.2\.40:22/);
  t.regex(said, /Nothing listens on port 22: check the SSH port/);
  t.like(check.calls[1]![0], { port: 2222, sudo: true, sudo_password: false });
  t.like(parse(readFileSync(path.join(ws.hello, 'inventory.yml'), 'utf8')).all.hosts['192.0.2.40'], { ansible_user: 'deploy', ansible_port: 2222, ansible_become: true });
});

test('an existing inventory is only overwritten when the user says so; otherwise another name is asked', async (t) => {
  const ws = workspace();
  writeFileSync(path.join(ws.hello, 'inventory.yml'), 'mine\n');
  const terminal = new ScriptedTerminal([
    ...structuredClone(ACCEPT_ALL_DEFAULTS),
    { ask: /inventory\.yml exists already\. Overwrite it\?/ },
    { ask: /Write the inventory to/, type: 'inventory.yml', rejected: /inventory\.yml exists already/ },
    { ask: /Write the inventory to/, type: 'site.yml' },
  ]);
  const d = deps(ws, terminal, fakeCheck([{ ok: true, os: 'Debian GNU/Linux 12 (bookworm)', sudo: 'not used' }]), ws.hello);
  t.is(await runInit({ output: 'inventory.yml' }, d), 0);
  t.is(readFileSync(path.join(ws.hello, 'inventory.yml'), 'utf8'), 'mine\n');
  t.like(parse(readFileSync(path.join(ws.hello, 'site.yml'), 'utf8')).all.vars, { webserver: 'nginx' });
  t.regex(terminal.transcript.join('\n'), /clamprovision apply site\.yml/);
});

test("the suggested service name is the WSGI script's module name, not the directory's, in the dialogue and from a file", async (t) => {
  const ws = workspace();
  const site = path.join(ws.project, 'my-site');
  mkdirSync(path.join(site, 'app'), { recursive: true });
  writeFileSync(path.join(site, 'shout.wsgi'), HELLO_WSGI);
  writeFileSync(path.join(site, 'app', 'my-app.wsgi'), HELLO_WSGI);
  const terminal = new ScriptedTerminal(
    ACCEPT_ALL_DEFAULTS.flatMap((step): Step[] => {
      if (step.ask.source.startsWith('Local directory')) return [{ ask: step.ask, type: 'my-site' }];
      if (step.ask.source === 'WSGI script') return [{ ask: /WSGI script/, choose: 'app/my-app.wsgi' }];
      if (step.ask.source.startsWith('Service name')) return [{ ask: /Service name.*\(my_app\)/ }];
      return [step];
    }),
  );
  const d = deps(ws, terminal, fakeCheck([{ ok: true, os: 'Debian GNU/Linux 12 (bookworm)', sudo: 'not used' }]));
  t.is(await runInit({ output: 'inventory.yml' }, d), 0, d.captured.stderr.join(''));
  t.deepEqual(terminal.remaining, []);
  t.like(parse(readFileSync(path.join(ws.project, 'inventory.yml'), 'utf8')).all.vars.services[0], { name: 'my_app', wsgi: 'app/my-app.wsgi' });

  writeFileSync(path.join(ws.project, 'answers.yml'), 'servers:\n  - address: 192.0.2.50\nservices:\n  - source: my-site\n    wsgi: shout.wsgi\n  - source: hello\n  - source: my-site\n    wsgi: shout.wsgi\n    url_prefix: /again\n');
  const fromFile = deps(ws, new ScriptedTerminal([]), fakeCheck([]));
  t.is(await runInit({ output: 'from-answers.yml', answers: 'answers.yml' }, fromFile), 0, fromFile.captured.stderr.join(''));
  const services = parse(readFileSync(path.join(ws.project, 'from-answers.yml'), 'utf8')).all.vars.services as Array<{ name: string }>;
  t.deepEqual(services.map((s) => s.name), ['shout', 'hello', 'shout2']);
});
