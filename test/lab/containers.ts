import { spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, runOk, sleep } from './exec.js';
import type { HostKey } from './keys.js';
import { createHostNetwork, deleteHostNetwork, netnsName } from './network.js';
import { createBehindNetwork } from './private-network.js';
import { aptProxyUrl, HOSTS_DIR, LAB_KEY, readJson, rootfsDir, type Suite, writeJson } from './state.js';

/** What the lab knows about one host; kept in hosts/NAME/host.json while the host exists. */
export interface HostRecord {
  name: string;
  suite: Suite;
  address: string;
  /** the bastion this host sits behind: `address` is then on the bastion's private network only */
  behind?: string;
  pid?: number;
}

export function hostDir(name: string): string {
  return join(HOSTS_DIR, name);
}

const paths = (name: string) => {
  const dir = hostDir(name);
  return {
    dir,
    record: join(dir, 'host.json'),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    root: join(dir, 'root'),
    console: join(dir, 'console.log'),
    knownHosts: join(dir, 'known_hosts'),
  };
};

export function readHostRecord(name: string): HostRecord | null {
  return readJson<HostRecord | null>(paths(name).record, null);
}

function writeHostRecord(record: HostRecord): void {
  writeJson(paths(record.name).record, record);
}

/** Alive and really our systemd-nspawn (a pid from an old record may have been reused). */
export function nspawnAlive(record: HostRecord | null): boolean {
  if (!record?.pid) return false;
  try {
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg.endsWith('systemd-nspawn')) && cmdline.includes(`--machine=${record.name}`);
  } catch {
    return false;
  }
}

function isMounted(path: string): boolean {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[1] === path);
}

async function unmount(path: string): Promise<void> {
  for (let attempt = 0; isMounted(path); attempt++) {
    const result = await run('umount', [path]);
    if (result.code === 0) continue;
    if (attempt >= 10) {
      await runOk('umount', ['--lazy', path]);
      return;
    }
    await sleep(300);
  }
}

function writeInto(root: string, path: string, content: string, mode: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  rmSync(full, { force: true });
  writeFileSync(full, content, { mode });
  chmodSync(full, mode);
}

function uidOf(root: string, user: string): { uid: number; gid: number } {
  const line = readFileSync(join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`user ${user} missing from the image`);
  return { uid: Number(uid), gid: Number(gid) };
}

function aptSources(suite: Suite): string {
  const proxy = aptProxyUrl();
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  return [
    `# clamprovision lab: Debian's archive through the lab's caching proxy on the bridge`,
    `Types: deb`,
    `URIs: ${proxy}/debian`,
    `Suites: ${suite} ${suite}-updates`,
    `Components: main`,
    `Signed-By: ${keyring}`,
    ``,
    `Types: deb`,
    `URIs: ${proxy}/debian-security`,
    `Suites: ${suite}-security`,
    `Components: main`,
    `Signed-By: ${keyring}`,
    ``,
  ].join('\n');
}

/**
 * Mounts the host's overlay (the suite's cached root filesystem below, the host's own upper layer
 * above) and writes what is particular to the host into the upper layer.
 */
async function prepareRoot(record: HostRecord, labPublicKey: string, hostKey: HostKey): Promise<void> {
  const p = paths(record.name);
  for (const dir of [p.upper, p.work, p.root]) mkdirSync(dir, { recursive: true });
  await unmount(p.root);
  await runOk('mount', [
    '-t',
    'overlay',
    `clamprovision-lab-${record.name}`,
    '-o',
    `lowerdir=${rootfsDir(record.suite)},upperdir=${p.upper},workdir=${p.work}`,
    p.root,
  ]);
  const root = p.root;
  writeInto(root, 'etc/hostname', `${record.name}\n`, 0o644);
  writeInto(
    root,
    'etc/hosts',
    `127.0.0.1\tlocalhost\n127.0.1.1\t${record.name}\n${record.address}\t${record.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    0o644,
  );
  writeInto(root, 'etc/resolv.conf', readFileSync('/etc/resolv.conf', 'utf8'), 0o644);
  writeInto(root, 'etc/apt/sources.list.d/debian.sources', aptSources(record.suite), 0o644);
  // Throw-away test hosts: skipping dpkg's fsyncs makes package installs markedly faster (~35%).
  writeInto(root, 'etc/dpkg/dpkg.cfg.d/clamprovision-lab-unsafe-io', 'force-unsafe-io\n', 0o644);
  writeInto(root, 'etc/ssh/ssh_host_ed25519_key', readFileSync(hostKey.privateKeyPath, 'utf8'), 0o600);
  writeInto(root, 'etc/ssh/ssh_host_ed25519_key.pub', `${hostKey.publicKey}\n`, 0o644);
  writeInto(root, 'root/.ssh/authorized_keys', `${labPublicKey}\n`, 0o600);
  chmodSync(join(root, 'root/.ssh'), 0o700);
  const deploy = uidOf(root, 'deploy');
  writeInto(root, 'home/deploy/.ssh/authorized_keys', `${labPublicKey}\n`, 0o600);
  chmodSync(join(root, 'home/deploy/.ssh'), 0o700);
  chownSync(join(root, 'home/deploy/.ssh'), deploy.uid, deploy.gid);
  chownSync(join(root, 'home/deploy/.ssh/authorized_keys'), deploy.uid, deploy.gid);
  writeFileSync(p.knownHosts, `${record.address} ${hostKey.publicKey}\n`);
}

/** Creates the host's namespace and overlay and boots it with systemd as PID 1; returns at once. */
export async function bootHost(record: HostRecord, labPublicKey: string, hostKey: HostKey): Promise<HostRecord> {
  const p = paths(record.name);
  if (record.behind) await createBehindNetwork(record.name, record.address, record.behind);
  else await createHostNetwork(record.name, record.address);
  await prepareRoot(record, labPublicKey, hostKey);
  const log = openSync(p.console, 'w');
  const child = spawn(
    'systemd-nspawn',
    [
      '--quiet',
      '--boot',
      // no machined/D-Bus on this machine: without these two nspawn fails with "Failed to open system bus"
      '--register=no',
      '--keep-unit',
      '--capability=CAP_NET_ADMIN',
      `--network-namespace-path=/run/netns/${netnsName(record.name)}`,
      `--directory=${p.root}`,
      `--machine=${record.name}`,
      '--resolv-conf=off',
      '--timezone=off',
      '--link-journal=no',
      '--console=read-only',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const booted: HostRecord = { ...record, pid: child.pid };
  child.unref();
  writeHostRecord(booted);
  return booted;
}

function consoleTail(name: string): string {
  try {
    return readFileSync(paths(name).console, 'utf8').split('\n').slice(-25).join('\n');
  } catch {
    return '(no console log)';
  }
}

/** Waits until sshd accepts the lab key and systemd reports the boot finished (running or degraded). */
export async function waitUntilReady(record: HostRecord, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!nspawnAlive(record)) {
      throw new Error(`${record.name}: systemd-nspawn exited during boot; console:\n${consoleTail(record.name)}`);
    }
    // a host behind a bastion is not reachable from here: ask from inside its own namespace
    const [program, ...prefix] = record.behind ? ['ip', 'netns', 'exec', netnsName(record.name), 'ssh'] : ['ssh'];
    const result = await run(
      program!,
      [
        ...prefix,
        '-i', LAB_KEY,
        '-o', 'BatchMode=yes',
        '-o', 'ConnectTimeout=3',
        '-o', 'StrictHostKeyChecking=yes',
        '-o', `UserKnownHostsFile=${paths(record.name).knownHosts}`,
        '-o', 'LogLevel=ERROR',
        `root@${record.address}`,
        'systemctl is-system-running --wait',
      ],
      { timeoutMs: 60_000 },
    );
    const state = result.stdout.trim();
    if (state === 'running' || state === 'degraded') return;
    last = `${state} ${result.stderr.trim()}`.trim();
    await sleep(500);
  }
  throw new Error(`${record.name} (${record.address}) did not finish booting in ${timeoutMs / 1000} s (last: ${last}); console:\n${consoleTail(record.name)}`);
}

/** The PIDs whose parent is `parent`, read from /proc. */
function childProcesses(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the command name in (…) may hold spaces: the parent PID is the second field after it
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function waitForExit(record: HostRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (nspawnAlive(record)) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

/**
 * Powers the host off (SIGTERM makes systemd-nspawn ask the container's systemd to shut down), then
 * unmounts its overlay and removes its namespace. The upper layer stays unless `wipe`.
 */
export async function stopHost(name: string, opts: { wipe?: boolean } = {}): Promise<void> {
  const record = readHostRecord(name);
  const p = paths(name);
  if (record && nspawnAlive(record) && record.pid) {
    process.kill(record.pid, 'SIGTERM');
    if (!(await waitForExit(record, 30_000))) {
      // The container's init lives in its own PID namespace: killing systemd-nspawn alone would leave
      // it (and its journald) running without a parent. Killing that init ends the whole namespace.
      for (const payload of childProcesses(record.pid)) killQuietly(payload);
      killQuietly(record.pid);
      await waitForExit(record, 10_000);
    }
  }
  await unmount(p.root);
  if (record) {
    await deleteHostNetwork(name, record.address);
    const { pid: _pid, ...stopped } = record;
    writeHostRecord(stopped);
  }
  if (opts.wipe) {
    if (isMounted(p.root)) throw new Error(`${p.root} is still mounted; not wiping ${name}`);
    rmSync(p.upper, { recursive: true, force: true });
    rmSync(p.work, { recursive: true, force: true });
  }
}

/** Removes everything of the host under the state dir (its kept host key lives elsewhere). */
export async function removeHost(name: string): Promise<void> {
  await stopHost(name, { wipe: true });
  const p = paths(name);
  if (isMounted(p.root)) throw new Error(`${p.root} is still mounted; not removing ${name}`);
  rmSync(p.dir, { recursive: true, force: true });
}

export function hasHostDir(name: string): boolean {
  return existsSync(paths(name).dir);
}

