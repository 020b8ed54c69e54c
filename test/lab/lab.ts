import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, say, sleep } from './exec.js';
import {
  bootHost,
  nspawnAlive,
  readHostRecord,
  removeHost,
  stopHost,
  waitUntilReady,
  type HostRecord,
} from './containers.js';
import { assertRoot, ensureHostPackages } from './host-packages.js';
import { addKnownHosts, ensureHostKey, ensureLabKey, removeKnownHosts } from './keys.js';
import { ensureNetwork, strayLabInterfaces, teardownNetwork } from './network.js';
import { attachBastion, privateAddressFor, pruneBastionNetworks } from './private-network.js';
import { ensurePypiFiles } from './pypi-index.js';
import { ensureRootfs, rootfsReady } from './rootfs.js';
import { ensureServers, stopServers } from './servers.js';
import {
  addressFor,
  assertHostName,
  DEFAULT_SUITE,
  ensureStateDirs,
  HOSTS_DIR,
  type Suite,
  withLabLock,
} from './state.js';

export interface UpOptions {
  suite?: Suite;
  /** Wipe the hosts' disks (upper layers) and boot them anew even when they run already. */
  fresh?: boolean;
  /** Put the hosts on a private network behind this (running) lab host; see private-network.ts. */
  behind?: string;
}

/** lab1..labN */
export function numberedHostNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`host count must be 1..100, not ${count}`);
  return Array.from({ length: count }, (_, i) => `lab${i + 1}`);
}

async function prepareMachine(): Promise<void> {
  assertRoot();
  await ensureHostPackages();
  ensureStateDirs();
}

/** Network, keys, servers and the suite's image: everything hosts need before they boot. */
async function ensureLabInfrastructure(suite: Suite): Promise<void> {
  await ensureNetwork();
  await ensureLabKey();
  await ensureServers();
  const onOldImage = labHostRecords().filter((h) => h.running && h.suite === suite);
  if (!rootfsReady(suite) && onOldImage.length > 0) {
    // Rebuilding would pull the lower layer from under their overlays.
    throw new Error(`the ${suite} image must be rebuilt, but ${onOldImage.map((h) => h.name).join(' ')} run on it: \`npm run lab -- down\` first`);
  }
  await Promise.all([ensureRootfs(suite), ensurePypiFiles()]);
}

/**
 * Makes sure the named hosts run (booting the missing ones in parallel) and answer on SSH.
 * Running hosts are left alone unless `fresh`. Idempotent; serialised across processes.
 */
export async function upHosts(names: string[], opts: UpOptions = {}): Promise<HostRecord[]> {
  const suite = opts.suite ?? DEFAULT_SUITE;
  names.forEach(assertHostName);
  if (opts.behind !== undefined) {
    assertHostName(opts.behind);
    if (names.includes(opts.behind)) throw new Error(`${opts.behind} cannot sit behind itself`);
  }
  await prepareMachine();
  return withLabLock(async () => {
    await ensureLabInfrastructure(suite);
    const bastion = opts.behind === undefined ? undefined : readHostRecord(opts.behind);
    if (opts.behind !== undefined && !(bastion && nspawnAlive(bastion) && !bastion.behind)) {
      throw new Error(`the bastion ${opts.behind} must be a running lab host on the lab network: boot it first`);
    }
    const addressOf = (name: string) => (opts.behind ? privateAddressFor(addressFor(name)) : addressFor(name));
    const labPublicKey = await ensureLabKey();
    const records: HostRecord[] = [];
    const toBoot: HostRecord[] = [];
    for (const name of [...new Set(names)]) {
      const existing = readHostRecord(name);
      if (existing && nspawnAlive(existing) && !opts.fresh) {
        if (existing.suite !== suite) {
          throw new Error(`${name} runs ${existing.suite}, not ${suite}: \`npm run lab -- reset ${name} --suite ${suite}\` or use another name`);
        }
        if (existing.behind !== opts.behind) {
          throw new Error(`${name} runs ${existing.behind ? `behind ${existing.behind}` : 'on the lab network'}: boot it fresh or use another name`);
        }
        records.push(existing);
        continue;
      }
      // A stopped or crashed host keeps its disk (like a reboot) unless it changes suite or is wanted fresh.
      if (existing) await stopHost(name, { wipe: opts.fresh || existing.suite !== suite });
      const record: HostRecord = { name, suite, address: addressOf(name), ...(opts.behind ? { behind: opts.behind } : {}) };
      toBoot.push(record);
    }
    const hostKeys = new Map(await Promise.all(names.map(async (n) => [n, await ensureHostKey(n)] as const)));
    addKnownHosts(names.map((n) => ({ host: n, address: addressOf(n), publicKey: hostKeys.get(n)?.publicKey ?? '' })));
    const alreadyUp = records.map((r) => r.name);
    if (alreadyUp.length > 0) say(`${alreadyUp.join(' ')} already running`);
    if (toBoot.length > 0) {
      say(`booting ${toBoot.map((r) => r.name).join(' ')} (${suite})…`);
      const started = Date.now();
      const booted = await Promise.all(toBoot.map((r) => bootHost(r, labPublicKey, hostKeys.get(r.name)!)));
      // a bastion booted anew (or one that gets its first host) needs its interface on the private network
      const inUse = bastionsInUse();
      for (const b of [...(bastion ? [bastion] : []), ...booted.filter((r) => inUse.has(r.name))]) await attachBastion(b.name, b.address);
      await Promise.all(booted.map((r) => waitUntilReady(r)));
      say(`${booted.map((r) => `${r.name} ${r.address}`).join(', ')} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      records.push(...booted);
    }
    return names.map((n) => records.find((r) => r.name === n)!);
  });
}

function knownHostNames(): string[] {
  try {
    return readdirSync(HOSTS_DIR).filter((name) => readHostRecord(name) !== null);
  } catch {
    return [];
  }
}

/** Every host the lab knows, with whether it runs. */
export function labHostRecords(): Array<HostRecord & { running: boolean }> {
  return knownHostNames()
    .map((name) => readHostRecord(name)!)
    .map((record) => ({ ...record, running: nspawnAlive(record) }))
    .sort((a, b) => Number(a.address.split('.').pop()) - Number(b.address.split('.').pop()));
}

/** The bastions running hosts sit behind. */
function bastionsInUse(): Set<string> {
  return new Set(labHostRecords().flatMap((r) => (r.running && r.behind ? [r.behind] : [])));
}

export async function stopHosts(names: string[]): Promise<void> {
  assertRoot();
  await withLabLock(async () => {
    for (const name of names) if (!readHostRecord(name)) throw new Error(`no lab host named ${name}`);
    say(`stopping ${names.join(' ')}…`);
    await Promise.all(names.map((name) => stopHost(name)));
    await pruneBastionNetworks(bastionsInUse());
  });
}

/** Stops the hosts, wipes their disks and boots them fresh (in their suite unless one is given). */
export async function resetHosts(names: string[], suite?: Suite): Promise<HostRecord[]> {
  const records = names.map((name) => readHostRecord(name));
  const suites = new Set(records.map((r) => suite ?? r?.suite ?? DEFAULT_SUITE));
  const result: HostRecord[] = [];
  for (const s of suites) {
    const group = names.filter((_, i) => (suite ?? records[i]?.suite ?? DEFAULT_SUITE) === s);
    result.push(...(await upHosts(group, { suite: s, fresh: true })));
  }
  return names.map((n) => result.find((r) => r.name === n)!);
}

/** systemd-nspawn processes that run a lab host's directory (also ones whose state files are gone). */
function strayNspawnPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]?.endsWith('systemd-nspawn') && cmdline.some((a) => a.startsWith(`--directory=${HOSTS_DIR}/`))) {
        pids.push(Number(entry));
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

function labMounts(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${HOSTS_DIR}/`));
}

/**
 * Removes everything `up` made; keeps the caches (root filesystems, apt, pypi) and the keys.
 * Every step runs even when an earlier one fails, so one stuck host never leaves the network behind.
 */
export async function downLab(): Promise<void> {
  assertRoot();
  ensureStateDirs();
  await withLabLock(async () => {
    const failures: string[] = [];
    const step = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
      }
    };
    const names = knownHostNames();
    if (names.length > 0) say(`stopping ${names.join(' ')}…`);
    await Promise.all(names.map((name) => step(`removing ${name}`, () => removeHost(name))));

    await step('stopping stray containers', async () => {
      for (const pid of strayNspawnPids()) {
        say(`stopping stray systemd-nspawn ${pid}`);
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 150 && strayNspawnPids().includes(pid); i++) await sleep(200);
        if (strayNspawnPids().includes(pid)) process.kill(pid, 'SIGKILL');
      }
      for (const mountPoint of labMounts().reverse()) await run('umount', ['--lazy', mountPoint]);
      const stray = await strayLabInterfaces();
      for (const ns of stray.namespaces) await run('ip', ['netns', 'del', ns]);
      for (const veth of stray.veths) await run('ip', ['link', 'del', veth]);
      for (const name of readdirSync(HOSTS_DIR)) {
        if (!labMounts().some((m) => m.startsWith(`${join(HOSTS_DIR, name)}/`))) await removeHost(name);
      }
    });
    await step('removing the private networks', () => pruneBastionNetworks(new Set()));
    await step('stopping the apt proxy and Python index', () => stopServers());
    await step('cleaning known_hosts', () => removeKnownHosts());
    await step('removing the network', () => teardownNetwork());
    if (failures.length > 0) throw new Error(`lab down was incomplete:\n  ${failures.join('\n  ')}`);
    say('lab is down (caches kept in /var/cache/clamprovision-lab)');
  });
}
