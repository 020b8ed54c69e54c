/**
 * ProxyJump chains against two SSH servers in this process (ssh2's Server): the jump host forwards
 * to the target, and each one's host key is checked against known_hosts as a direct connection's.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { ConnectionSettings } from '../../../src/inventory/types.js';
import { verifyHostKey } from '../../../src/transport/known-hosts.js';
import { SshHost } from '../../../src/transport/ssh-host.js';

const dir = mkdtempSync(join(tmpdir(), 'jump-hosts-'));

function keyPair(name: string): { privateKey: Buffer; publicLine: string; blob: Buffer } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const publicLine = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { privateKey: readFileSync(file), publicLine, blob: Buffer.from(publicLine.split(' ')[1]!, 'base64') };
}

const jumpKey = keyPair('jump');
const targetKey = keyPair('target');
const otherKey = keyPair('other');
keyPair('client');

interface FakeServer {
  port: number;
  /** connections that reached authentication */
  logins: string[];
  /** `address:port` of every forward asked for (direct-tcpip) */
  forwards: string[];
  close(): void;
}

/** Accepts every login; forwards direct-tcpip channels; answers every exec with `hello from NAME`. */
async function server(name: string, hostKey: Buffer): Promise<FakeServer> {
  const logins: string[] = [];
  const forwards: string[] = [];
  const instance = new ssh2.Server({ hostKeys: [hostKey] }, (connection) => {
    connection.on('error', () => undefined);
    connection.on('authentication', (context) => {
      logins.push(context.username);
      context.accept();
    });
    connection.on('ready', () => {
      connection.on('tcpip', (accept, _reject, info) => {
        forwards.push(`${info.destIP}:${info.destPort}`);
        const channel = accept();
        const socket = net.connect(info.destPort, info.destIP);
        socket.on('error', () => channel.close());
        channel.pipe(socket).pipe(channel);
      });
      connection.on('session', (accept) => {
        accept().on('exec', (acceptExec) => {
          const stream = acceptExec();
          stream.resume();
          stream.write(`hello from ${name}\n`);
          stream.exit(0);
          stream.end();
        });
      });
    });
  });
  await new Promise<void>((resolve) => instance.listen(0, '127.0.0.1', resolve));
  return { port: (instance.address() as AddressInfo).port, logins, forwards, close: () => instance.close() };
}

function settings(jump: FakeServer, target: FakeServer): ConnectionSettings {
  return {
    address: '127.0.0.1',
    port: target.port,
    user: 'deploy',
    become: false,
    hostKeyChecking: true,
    privateKeyFile: join(dir, 'client'),
    jumps: [{ address: '127.0.0.1', port: jump.port, user: 'hop', identityFiles: [join(dir, 'client')], hostKeyChecking: true }],
  };
}

async function withServers(run: (jump: FakeServer, target: FakeServer) => Promise<void>): Promise<void> {
  const jump = await server('jump', jumpKey.privateKey);
  const target = await server('target', targetKey.privateKey);
  try {
    await run(jump, target);
  } finally {
    jump.close();
    target.close();
  }
}

function knownHosts(lines: string[]): string {
  const file = join(mkdtempSync(join(dir, 'kh-')), 'known_hosts');
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

test('the host is reached through the jump host, each logged into as its own user', async (t) => {
  await withServers(async (jump, target) => {
    const file = knownHosts([`[127.0.0.1]:${jump.port} ${jumpKey.publicLine}`, `[127.0.0.1]:${target.port} ${targetKey.publicLine}`]);
    const host = await SshHost.connect({ connection: settings(jump, target), knownHostsFile: file, acceptNewHostKeys: false });
    try {
      const result = await host.run('true');
      t.is(result.stdout, 'hello from target\n');
      t.deepEqual(jump.forwards, [`127.0.0.1:${target.port}`]);
      t.true(jump.logins.length > 0 && jump.logins.every((user) => user === 'hop'));
      t.true(target.logins.includes('deploy'));
    } finally {
      await host.close();
    }
  });
});

test("an unknown jump host key is refused before the target is contacted, naming the jump host", async (t) => {
  await withServers(async (jump, target) => {
    const file = knownHosts([`[127.0.0.1]:${target.port} ${targetKey.publicLine}`]);
    const error = await t.throwsAsync(SshHost.connect({ connection: settings(jump, target), knownHostsFile: file, acceptNewHostKeys: false }));
    t.regex(error!.message, new RegExp(`^jump host hop@127\\.0\\.0\\.1:${jump.port}: host key of 127\\.0\\.0\\.1:${jump.port} is not known`));
    t.deepEqual(jump.logins, []);
    t.deepEqual(target.logins, []);
  });
});

test("the target's key is checked as well when it is reached through a jump host: a changed key is refused", async (t) => {
  await withServers(async (jump, target) => {
    const file = knownHosts([`[127.0.0.1]:${jump.port} ${jumpKey.publicLine}`, `[127.0.0.1]:${target.port} ${otherKey.publicLine}`]);
    const error = await t.throwsAsync(SshHost.connect({ connection: settings(jump, target), knownHostsFile: file, acceptNewHostKeys: true }));
    t.regex(error!.message, /host key of 127\.0\.0\.1:\d+ has CHANGED/);
    t.deepEqual(target.logins, []);
  });
});

test("the host's own known_hosts file (UserKnownHostsFile for it) is not its jump host's, as with OpenSSH", async (t) => {
  await withServers(async (jump, target) => {
    const runDefault = knownHosts([`[127.0.0.1]:${jump.port} ${jumpKey.publicLine}`]);
    const targetsOwn = knownHosts([`[127.0.0.1]:${target.port} ${targetKey.publicLine}`]);
    const connection = { ...settings(jump, target), knownHostsFile: targetsOwn };
    const host = await SshHost.connect({ connection, knownHostsFile: runDefault, acceptNewHostKeys: false });
    try {
      t.is((await host.run('true')).stdout, 'hello from target\n');
    } finally {
      await host.close();
    }
  });
});

test('--accept-new-host-keys records the jump host and the target', async (t) => {
  await withServers(async (jump, target) => {
    const file = knownHosts([]);
    const host = await SshHost.connect({ connection: settings(jump, target), knownHostsFile: file, acceptNewHostKeys: true });
    await host.close();
    const after = readFileSync(file, 'utf8');
    t.is(verifyHostKey(after, '127.0.0.1', jump.port, jumpKey.blob).kind, 'known');
    t.is(verifyHostKey(after, '127.0.0.1', target.port, targetKey.blob).kind, 'known');
  });
});
