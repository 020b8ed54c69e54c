/**
 * Host key checking through the real CLI against an SSH server in this process (ssh2's Server, which
 * rejects every login: only what happens before authentication matters here).
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { verifyHostKey } from '../../../src/transport/known-hosts.js';
import { explain, hostReport, repoRoot, runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'host-key-check-'));
const playbook = join(repoRoot, 'test', 'fixtures', 'faults', 'noop.yml');

function keyPair(name: string, type: 'ed25519' | 'ecdsa' | 'rsa'): { privateKey: Buffer; publicLine: string; blob: Buffer } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
  const publicLine = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { privateKey: readFileSync(file), publicLine, blob: Buffer.from(publicLine.split(' ')[1]!, 'base64') };
}

const ed25519 = keyPair('ed25519', 'ed25519');
const ecdsa = keyPair('ecdsa', 'ecdsa');
const rsa = keyPair('rsa', 'rsa');
keyPair('client', 'ed25519'); // the login key the inventory names (every login is refused)

/** A server with this host key and host key algorithms; every login is refused. */
async function server(key: Buffer, serverHostKey?: string[]): Promise<{ port: number; close: () => void }> {
  const instance = new ssh2.Server({ hostKeys: [key], ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as ssh2.ServerHostKeyAlgorithm[] } } : {}) }, (connection) => {
    connection.on('error', () => undefined);
    connection.on('authentication', (context) => context.reject());
  });
  await new Promise<void>((resolve) => instance.listen(0, '127.0.0.1', resolve));
  return { port: (instance.address() as AddressInfo).port, close: () => instance.close() };
}

/** `plan` of one host on 127.0.0.1:port with this known_hosts text; returns the run and the file afterwards. */
async function plan(port: number, knownHosts: string, acceptNew: boolean) {
  const work = mkdtempSync(join(dir, 'run-'));
  const knownHostsFile = join(work, 'known_hosts');
  writeFileSync(knownHostsFile, knownHosts);
  const inventory = join(work, 'inventory.yml');
  writeFileSync(
    inventory,
    [
      'all:',
      '  hosts:',
      '    h1:',
      '      ansible_host: 127.0.0.1',
      `      ansible_port: ${port}`,
      '      ansible_user: nobody',
      `      ansible_ssh_private_key_file: ${join(dir, 'client')}`,
      `      ansible_ssh_common_args: -o UserKnownHostsFile=${knownHostsFile}`,
      '',
    ].join('\n'),
  );
  const run = await runCli(['plan', inventory, '--playbook', playbook, '--json', ...(acceptNew ? ['--accept-new-host-keys'] : [])], { timeoutMs: 60_000 });
  return { run, error: hostReport(run, 'h1')?.error ?? '', after: readFileSync(knownHostsFile, 'utf8') };
}

test('accept-new: the entry goes on a line of its own when the file does not end with a newline', async (t) => {
  const ssh = await server(ed25519.privateKey);
  try {
    const before = `other.example ${ecdsa.publicLine}`;
    const { run, error, after } = await plan(ssh.port, before, true);
    t.regex(error, /authentication/i, explain(run));
    t.is(after.split('\n')[0], before, 'the last entry is left whole');
    t.is(verifyHostKey(after, '127.0.0.1', ssh.port, ed25519.blob).kind, 'known');
    t.is(verifyHostKey(after, 'other.example', 22, ecdsa.blob).kind, 'known');
  } finally {
    ssh.close();
  }
});

test('a host known by another key type is not "unknown": refused, also with accept-new, saying which types are known', async (t) => {
  const ssh = await server(ed25519.privateKey);
  try {
    const before = `[127.0.0.1]:${ssh.port} ${ecdsa.publicLine}\n`;
    const { run, error, after } = await plan(ssh.port, before, true);
    t.is(run.code, 4, explain(run));
    t.regex(error, /keys of another type are known for this host \(ecdsa-sha2-nistp256 in .*known_hosts\)/);
    t.notRegex(error, /run again with --accept-new-host-keys/);
    t.is(after, before, 'nothing recorded');
  } finally {
    ssh.close();
  }
});

test('@cert-authority for the host: refused clearly (host certificates are not checked), not accepted as new', async (t) => {
  const ssh = await server(ed25519.privateKey);
  try {
    const before = `@cert-authority 127.0.0.1,[127.0.0.1]:* ${ecdsa.publicLine}\n`;
    const { run, error, after } = await plan(ssh.port, before, true);
    t.is(run.code, 4, explain(run));
    t.regex(error, /trusts a certificate authority for this host \(@cert-authority\), but clamprovision does not check host certificates/);
    t.is(after, before);
  } finally {
    ssh.close();
  }
});

test('an RSA host key is accepted with rsa-sha2-* signatures, refused when the server only signs with SHA-1 (ssh-rsa)', async (t) => {
  const sha2 = await server(rsa.privateKey, ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  const sha1 = await server(rsa.privateKey, ['ssh-rsa']);
  try {
    const known = (port: number) => `[127.0.0.1]:${port} ${rsa.publicLine}\n`;
    const good = await plan(sha2.port, known(sha2.port), false);
    t.regex(good.error, /authentication/i, `control: the key is checked and accepted; ${explain(good.run)}`);
    const bad = await plan(sha1.port, known(sha1.port), false);
    t.is(bad.run.code, 4, explain(bad.run));
    t.notRegex(bad.error, /authentication/i, 'refused before any login');
    t.regex(bad.error, /host key|algorithm|handshake/i);
  } finally {
    sha2.close();
    sha1.close();
  }
});
