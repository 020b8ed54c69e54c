import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { checkServer } from '../../src/wizard/connection-check.js';
import { runInit } from '../../src/wizard/init.js';
import { labAvailable, labHosts, labIndexUrl, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { ScriptedTerminal } from '../unit/wizard/scripted-terminal.js';
import { testTempDir } from '../helpers/temp-dir.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(repo, 'dist', 'cli.js');
const maybe = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['wizard1']);
});

let hostPromise: Promise<LabHost> | undefined;
const wizardHost = () => (hostPromise ??= labHosts(['wizard1'], { fresh: true }).then(([host]) => host!));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

maybe('the connection test shows an unknown host key with its fingerprint, trusts it on request, and checks sudo', async (t) => {
  const host = await wizardHost();
  const knownHostsFile = path.join(testTempDir('known'), 'known_hosts');
  const asRoot = { address: host.address, user: host.user, port: host.port, key_file: host.keyFile, sudo: false, sudo_password: false };

  const unknown = await checkServer(asRoot, { acceptNewHostKey: false, knownHostsFile });
  t.false(unknown.ok);
  if (unknown.ok) return;
  t.regex(unknown.unknownHostKey?.fingerprint ?? '', /^SHA256:[A-Za-z0-9+/]{43}$/);

  const trusted = await checkServer(asRoot, { acceptNewHostKey: true, knownHostsFile });
  t.like(trusted, { ok: true, sudo: 'not used' });
  if (trusted.ok) t.regex(trusted.os, /Debian|Ubuntu/);
  t.true(readFileSync(knownHostsFile, 'utf8').includes(host.address));

  const deploy = { ...asRoot, user: host.becomeUser, sudo: true, sudo_password: true };
  t.like(await checkServer(deploy, { acceptNewHostKey: false, knownHostsFile, becomePassword: host.becomePassword }), { ok: true, sudo: 'works' });
  const wrong = await checkServer(deploy, { acceptNewHostKey: false, knownHostsFile, becomePassword: 'not-the-password' });
  t.true(wrong.ok && typeof wrong.sudo === 'object' && /refused the become password/.test(wrong.sudo.failed), JSON.stringify(wrong));
});

maybe('the inventory the wizard writes for a lab host and examples/hello deploys the service', async (t) => {
  const host = await wizardHost();
  const output = path.join(testTempDir('wizard-lab'), 'inventory.yml');
  const terminal = new ScriptedTerminal([
    { ask: /Server address/, type: host.address },
    { ask: /SSH user/, type: host.becomeUser },
    { ask: /SSH port/ },
    { ask: /Log in with/, choose: 'another key file' },
    { ask: /Private key file/, type: host.keyFile },
    { ask: /Use sudo/ },
    { ask: /Does sudo ask/ },
    { ask: /Test the SSH connection/ },
    { ask: /sudo password of/, type: host.becomePassword },
    { ask: /Add another server/ },
    { ask: /Which webserver/ },
    { ask: /Local directory of the service/, type: 'examples/hello' },
    { ask: /WSGI script/ },
    { ask: /Service name.*hello/ },
    { ask: /URL prefix/, type: '/hello' },
    { ask: /Extra pip packages/ },
    { ask: /Add another webservice/ },
    { ask: /Server name/ },
    { ask: /Serve HTTPS/ },
    { ask: /Manage the firewall/ },
    { ask: /private package index/, type: 'y' },
    { ask: /Index URL/, type: labIndexUrl() },
    { ask: /trust its host/ },
  ]);
  const stderr: string[] = [];
  const code = await runInit({ output }, { terminal, stdinIsTTY: true, cwd: repo, env: {}, stdout: () => {}, stderr: (text) => void stderr.push(text) });
  t.is(code, 0, stderr.join(''));
  t.deepEqual(terminal.remaining, []);
  const said = terminal.transcript.join('\n');
  t.regex(said, /✔ connected: (Debian|Ubuntu)/);
  t.regex(said, /✔ sudo works/);
  t.false(readFileSync(output, 'utf8').includes(host.becomePassword));

  const validated = await run(['validate', output], { BECOME_PASSWORD: host.becomePassword });
  t.is(validated.code, 0, validated.stderr);
  const applied = await run(['apply', output], { BECOME_PASSWORD: host.becomePassword });
  t.is(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
  t.false(`${applied.stdout}${applied.stderr}`.includes(host.becomePassword));

  const response = await fetch(`http://${host.address}/hello/foo`);
  t.is(response.status, 200);
  t.is(await response.text(), 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\n');
});
