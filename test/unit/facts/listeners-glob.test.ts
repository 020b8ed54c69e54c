import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { mergeFactRequests } from '../../../src/facts/merge.js';
import { parseFactsOutput } from '../../../src/facts/parse.js';
import { buildFactsScript } from '../../../src/facts/script.js';
import type { FactRequest } from '../../../src/facts/types.js';

/** The facts script run for real with this machine's dash, as the engine runs it over SSH. */
function gather(requests: FactRequest[]) {
  const merged = mergeFactRequests(requests);
  const result = spawnSync('dash', ['-s', '--', '192.0.2.1 40000 192.0.2.2 22'], { input: buildFactsScript(merged), encoding: 'utf8', cwd: '/' });
  if (result.status !== 0) throw new Error(`facts script failed (${result.status}): ${result.stderr}`);
  return parseFactsOutput(result.stdout, merged);
}

function listen(host: string): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, host, () => resolve(server));
  });
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

test('listeners: the process holding a listening port (IPv4 and IPv6), with its user, name and arguments; a free port has none', async (t) => {
  const v4 = await listen('127.0.0.1');
  const v6 = await listen('::1').catch(() => undefined);
  const free = await listen('127.0.0.1');
  const freePort = portOf(free);
  free.close();
  try {
    const ports = [portOf(v4), ...(v6 ? [portOf(v6)] : []), freePort];
    // asked by two tasks: one walk of /proc answers both
    const facts = gather([
      { kind: 'listeners', ports: [ports[0]!] },
      { kind: 'listeners', ports: ports.slice(1) },
    ]);
    for (const port of ports.slice(0, -1)) {
      const holders = facts.listeners.get(port);
      t.is(holders?.length, 1, `port ${port}`);
      t.like(holders![0], { pid: process.pid, ppid: process.ppid, user: userInfo().username });
      t.is(holders![0]!.argv[0], process.argv0 === 'node' ? holders![0]!.argv[0] : process.argv0);
      t.true(holders![0]!.argv.length >= 1);
    }
    t.deepEqual(facts.listeners.get(freePort), []);
  } finally {
    v4.close();
    v6?.close();
  }
});

test('listeners: every byte of a process\'s name and arguments comes through (spaces, newlines, quotes, UTF-8)', async (t) => {
  // python3: it can rename itself (comm) without rewriting its arguments, as a daemon does
  const script = [
    'import ctypes, socket, sys, time',
    "ctypes.CDLL(None).prctl(15, 'wörk er\\n'.encode(), 0, 0, 0)",
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()",
    'print(s.getsockname()[1], flush=True)',
    'time.sleep(60)',
  ].join('\n');
  const args = ['ärg with spaces', 'line\nbreak', 'tab\there', '$(not run)', `quote'"`, '--'];
  const child = spawn('/usr/bin/python3', ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill());
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(chunk.toString().trim());
  const facts = gather([{ kind: 'listeners', ports: [port] }]);
  const holders = facts.listeners.get(port) ?? [];
  t.is(holders.length, 1);
  t.like(holders[0], { pid: child.pid, ppid: process.pid, comm: 'wörk er' });
  t.deepEqual(holders[0]!.argv, ['/usr/bin/python3', '-c', script, ...args]);
});

test('glob: entries with their file facts and contents; a link with its target; no match is an empty list', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-glob-'));
  mkdirSync(join(dir, 'available'));
  mkdirSync(join(dir, 'enabled'));
  writeFileSync(join(dir, 'available', 'shout'), 'server { listen 80; }\n');
  writeFileSync(join(dir, 'enabled', 'plain.conf'), 'server { listen 81; }\n');
  symlinkSync('../available/shout', join(dir, 'enabled', 'shout'));
  const pattern = join(dir, 'enabled', '*');
  const none = join(dir, 'nothing', '*.conf');
  const facts = gather([{ kind: 'glob', pattern }, { kind: 'glob', pattern: none }]);
  t.deepEqual(facts.globs.get(pattern)?.matches, [
    { path: join(dir, 'enabled', 'plain.conf') },
    { path: join(dir, 'enabled', 'shout'), realPath: join(dir, 'available', 'shout') },
  ]);
  t.deepEqual(facts.globs.get(none)?.matches, []);
  const link = facts.files.get(join(dir, 'enabled', 'shout'));
  t.like(link, { exists: true, type: 'link', linkTarget: '../available/shout' });
  t.is(facts.files.get(join(dir, 'available', 'shout'))?.content?.toString(), 'server { listen 80; }\n');
  t.is(facts.files.get(join(dir, 'enabled', 'plain.conf'))?.content?.toString(), 'server { listen 81; }\n');
});

test('glob: a pattern with shell characters is refused, never expanded', (t) => {
  t.throws(() => buildFactsScript([{ kind: 'glob', pattern: '/etc/nginx/$(reboot)/*' }]), { message: /only path characters/ });
  t.throws(() => buildFactsScript([{ kind: 'glob', pattern: '/etc/a b/*' }]), { message: /only path characters/ });
});
