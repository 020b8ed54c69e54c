import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, lstatSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { MAX_CONTENT_BYTES } from '../../../src/facts/kinds/file.js';
import { mergeFactRequests } from '../../../src/facts/merge.js';
import { parseFactsOutput } from '../../../src/facts/parse.js';
import { buildFactsScript } from '../../../src/facts/script.js';
import type { FactRequest } from '../../../src/facts/types.js';
import { testIf } from '../../helpers/precondition.js';

/**
 * The facts script run for real with this machine's dash (Debian's /bin/sh), the way the engine
 * runs it over SSH: `sh -s -- "$SSH_CONNECTION"` with the script on stdin.
 */
const isRoot = process.getuid?.() === 0;
const me = userInfo().username;

function gather(requests: FactRequest[], options: { asNobody?: boolean } = {}) {
  const merged = mergeFactRequests(requests);
  const command = options.asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'dash'] : ['dash'];
  const result = spawnSync(command[0]!, [...command.slice(1), '-s', '--', '192.0.2.1 40000 192.0.2.2 2222'], {
    input: buildFactsScript(merged),
    encoding: 'utf8',
    cwd: '/',
  });
  if (result.status !== 0) throw new Error(`facts script failed (${result.status}): ${result.stderr}`);
  return { facts: parseFactsOutput(result.stdout, merged), stdout: result.stdout, stderr: result.stderr };
}

/** Every path below dir with its type, mode, size, mtime and content hash. */
function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    const hash = stat.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
    lines.push(`${path} ${stat.mode} ${stat.size} ${stat.mtimeMs} ${hash}`);
    if (stat.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(dir);
  return lines.join('\n');
}

function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cp-facts-'));
  mkdirSync(join(dir, 'tree', 'sub dir'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'plain.txt'), 'hello\n');
  writeFileSync(join(dir, 'tree', 'sub dir', "it's a \"name\"\nwith newline ü"), 'x');
  chmodSync(join(dir, 'tree', 'plain.txt'), 0o640);
  symlinkSync('plain.txt', join(dir, 'tree', 'link'));
  writeFileSync(join(dir, 'big'), Buffer.alloc(MAX_CONTENT_BYTES + 1, 97));
  writeFileSync(join(dir, 'binary'), Buffer.from([0, 255, 10, 13, 0]));
  writeFileSync(join(dir, 'empty'), '');
  return dir;
}

test('files and trees as the host has them, odd names included', (t) => {
  const dir = sandbox();
  const { facts } = gather([
    { kind: 'file', path: join(dir, 'tree', 'plain.txt'), content: true },
    { kind: 'file', path: join(dir, 'binary'), content: true },
    { kind: 'file', path: join(dir, 'empty'), content: true },
    { kind: 'file', path: join(dir, 'big'), content: true },
    { kind: 'file', path: join(dir, 'tree', 'link') },
    { kind: 'file', path: join(dir, 'missing') },
    { kind: 'tree', path: join(dir, 'tree') },
    { kind: 'tree', path: join(dir, 'no-tree') },
  ]);
  const plain = facts.files.get(join(dir, 'tree', 'plain.txt'));
  t.like(plain, { exists: true, type: 'file', mode: 0o640, owner: me, size: 6, sha256: createHash('sha256').update('hello\n').digest('hex') });
  t.is(plain?.exists && plain.content?.toString(), 'hello\n');
  const binary = facts.files.get(join(dir, 'binary'));
  t.deepEqual(binary?.exists && binary.content, Buffer.from([0, 255, 10, 13, 0]));
  const empty = facts.files.get(join(dir, 'empty'));
  t.deepEqual(empty?.exists && empty.content, Buffer.alloc(0));
  const big = facts.files.get(join(dir, 'big'));
  t.true(big?.exists && big.sha256 !== undefined && big.content === undefined, 'large files are hashed, not transferred');
  t.like(facts.files.get(join(dir, 'tree', 'link')), { type: 'link', linkTarget: 'plain.txt' });
  t.deepEqual(facts.files.get(join(dir, 'missing')), { exists: false });

  const tree = facts.trees.get(join(dir, 'tree'))!;
  t.true(tree.exists);
  t.deepEqual([...tree.entries.keys()].sort(), ['link', 'plain.txt', 'sub dir', "sub dir/it's a \"name\"\nwith newline ü"]);
  t.like(tree.entries.get("sub dir/it's a \"name\"\nwith newline ü"), { type: 'file', mode: 0o644, sha256: createHash('sha256').update('x').digest('hex') });
  t.like(tree.entries.get('link'), { type: 'link', linkTarget: 'plain.txt' });
  t.like(tree.entries.get('sub dir'), { type: 'directory' });
  t.false(facts.trees.get(join(dir, 'no-tree'))!.exists);
});

test('the base facts of this machine (Debian 12, no systemd as PID 1)', (t) => {
  const { facts } = gather([]);
  t.is(facts.os.id, 'debian');
  t.regex(facts.os.versionId, /^\d+$/);
  t.is(facts.user, me);
  t.is(facts.sshPort, 2222, 'the port comes from the SSH_CONNECTION passed as $1');
  t.is(facts.init, readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' ? 'systemd' : 'other');
});

test('packages, users, groups and probes on this machine', (t) => {
  const secret = "it's $HOME and `x`";
  const { facts, stdout } = gather([
    { kind: 'packages', names: ['dpkg', 'no-such-package-clamprovision'] },
    { kind: 'user', name: 'root' },
    { kind: 'user', name: 'no-such-user-cp' },
    { kind: 'group', name: 'root' },
    { kind: 'probe', command: 'test -d /etc' },
    { kind: 'probe', command: `[ "${secret.replace(/[\\"$`]/g, '\\$&')}" = "it's \\$HOME and \\\`x\\\`" ] && exit 4` },
    { kind: 'probe', command: 'cat; exit 5' },
  ]);
  t.like(facts.packages.get('dpkg'), { installed: true });
  t.regex((facts.packages.get('dpkg') as { version: string }).version, /^\d/);
  t.deepEqual(facts.packages.get('no-such-package-clamprovision'), { installed: false, candidate: null });
  t.like(facts.users.get('root'), { exists: true, uid: 0, group: 'root', home: '/root' });
  t.false(facts.users.get('no-such-user-cp')!.exists);
  t.deepEqual(facts.groups.get('root'), { exists: true, gid: 0 });
  t.deepEqual([...facts.probes.values()], [0, 4, 5], 'exit codes; quoting survives; a probe reading stdin takes nothing of the script');
  t.true(stdout.trimEnd().endsWith('@@end'));
});

test('services and ufw on a machine without them', (t) => {
  const { facts } = gather([{ kind: 'service', name: 'no-such-service-cp' }, { kind: 'ufw' }]);
  t.false(facts.services.get('no-such-service-cp')!.exists);
  t.like(facts.ufw, { readable: true, defaults: { incoming: 'deny', outgoing: 'allow' }, rules: [] });
});

test('a virtualenv: only one with an executable bin/pip counts; its distributions and markers', (t) => {
  const dir = sandbox();
  const venv = join(dir, 'venv');
  mkdirSync(join(venv, 'bin'), { recursive: true });
  mkdirSync(join(venv, 'lib', 'python3.11', 'site-packages', 'uWSGI-2.0.21.dist-info'), { recursive: true });
  mkdirSync(join(venv, '.clamprovision'));
  writeFileSync(join(venv, '.clamprovision', 'path-abc'), 'digest with spaces');
  writeFileSync(join(venv, 'pyvenv.cfg'), 'home = /usr/bin\nversion = 3.11.2\n');
  const partial = join(dir, 'partial');
  mkdirSync(join(partial, 'bin'), { recursive: true });
  writeFileSync(join(partial, 'pyvenv.cfg'), 'version = 3.11.2\n');
  writeFileSync(join(venv, 'bin', 'pip'), '#!/bin/sh\n');
  chmodSync(join(venv, 'bin', 'pip'), 0o755);
  const { facts } = gather([{ kind: 'venv', path: venv }, { kind: 'venv', path: partial }]);
  const fact = facts.venvs.get(venv)!;
  t.true(fact.exists);
  t.is(fact.python, '3.11.2');
  t.is(fact.packages.get('uwsgi'), '2.0.21');
  t.is(fact.markers.get('path-abc'), 'digest with spaces');
  t.false(facts.venvs.get(partial)!.exists);
});

test('gathering changes nothing: the files read, the dpkg database and apt caches stay as they were', (t) => {
  const dir = sandbox();
  const watched = ['/var/lib/dpkg/status', '/var/cache/apt/pkgcache.bin', '/var/cache/apt/srcpkgcache.bin'].filter((path) => existsSync(path));
  const before = [snapshot(dir), ...watched.map(snapshot)].join('\n');
  gather([
    { kind: 'file', path: join(dir, 'tree', 'plain.txt'), content: true },
    { kind: 'tree', path: join(dir, 'tree') },
    { kind: 'packages', names: ['dpkg', 'nginx', 'no-such-package-clamprovision'] },
    { kind: 'service', name: 'nginx' },
    { kind: 'ufw' },
    { kind: 'venv', path: join(dir, 'venv') },
  ]);
  t.is([snapshot(dir), ...watched.map(snapshot)].join('\n'), before);
});

testIf(isRoot, 'needs root to run the script as nobody')('without root: what can be read is read, an unreadable file is told apart from a missing one', (t) => {
  const dir = sandbox();
  chmodSync(dir, 0o755);
  const secret = join(dir, 'secret');
  writeFileSync(secret, 'password');
  chmodSync(secret, 0o600);
  const { facts } = gather([{ kind: 'file', path: secret, content: true }, { kind: 'file', path: '/etc/hostname', content: true }], { asNobody: true });
  t.is(facts.user, 'nobody');
  const fact = facts.files.get(secret);
  t.like(fact, { exists: true, type: 'file', mode: 0o600 });
  t.true(fact?.exists && fact.sha256 === undefined && fact.content === undefined);
  t.like(facts.files.get('/etc/hostname'), { exists: true });
});
