import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SUITES = ['bookworm', 'trixie'] as const;
export type Suite = (typeof SUITES)[number];
export const DEFAULT_SUITE: Suite = 'bookworm';

export function isSuite(value: string): value is Suite {
  return (SUITES as readonly string[]).includes(value);
}

/**
 * CLAMPROVISION_LAB_INSTANCE=1..9 runs a second, independent lab next to the default one (0): its own
 * bridge, subnet, hosts and servers, e.g. for a CI run on a machine where developers use the lab.
 * Keys, caches and the lock are shared.
 */
export const LAB_INSTANCE = labInstanceFromEnv();

function labInstanceFromEnv(): number {
  const value = process.env.CLAMPROVISION_LAB_INSTANCE ?? '0';
  if (!/^[0-9]$/.test(value)) throw new Error(`CLAMPROVISION_LAB_INSTANCE must be a digit 0-9, not "${value}"`);
  return Number(value);
}

const SHARED_STATE_DIR = '/var/lib/clamprovision-lab';
export const STATE_DIR = LAB_INSTANCE === 0 ? SHARED_STATE_DIR : join(SHARED_STATE_DIR, 'instances', String(LAB_INSTANCE));
export const CACHE_DIR = '/var/cache/clamprovision-lab';
export const HOSTS_DIR = join(STATE_DIR, 'hosts');
export const HOST_KEYS_DIR = join(SHARED_STATE_DIR, 'hostkeys');
export const LAB_KEY = join(SHARED_STATE_DIR, 'id_ed25519');
export const LOCK_FILE = join(SHARED_STATE_DIR, 'lock');
/** Kernel settings as they were before any lab instance changed them; restored when the last lab bridge goes. */
export const SYSCTLS_BEFORE = join(SHARED_STATE_DIR, 'sysctls-before.json');
export const NETWORK_STATE = join(STATE_DIR, 'network.json');
export const ADDRESSES_FILE = join(STATE_DIR, 'addresses.json');
export const KNOWN_HOSTS_STATE = join(STATE_DIR, 'known-hosts.json');
export const SERVERS_PIDFILE = join(STATE_DIR, 'servers.pid');
export const SERVERS_LOG = join(STATE_DIR, 'servers.log');
export const APT_CACHE_DIR = join(CACHE_DIR, 'apt');
export const PYPI_DIR = join(CACHE_DIR, 'pypi');

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * CLAM 3.3.0 and its dependencies as wheels (PyPI is not reachable): $CLAMPROVISION_WHEELHOUSE, else
 * beside the repository as in the project workspace, else /work/shared/wheelhouse (CI tests a clone
 * elsewhere).
 */
export function wheelhouseDir(env: NodeJS.ProcessEnv = process.env, repoRoot = REPO_ROOT): string {
  const fromEnv = env.CLAMPROVISION_WHEELHOUSE;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CLAMPROVISION_WHEELHOUSE=${fromEnv}: no such directory`);
    return resolve(fromEnv);
  }
  const candidates = [join(repoRoot, '..', 'shared', 'wheelhouse'), '/work/shared/wheelhouse'];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) {
    throw new Error(`no wheelhouse with CLAM's wheels: looked in ${candidates.join(' and ')}; set CLAMPROVISION_WHEELHOUSE to its directory`);
  }
  return found;
}

export function rootfsDir(suite: Suite): string {
  return join(CACHE_DIR, `rootfs-${suite}`);
}

export const BRIDGE = `cplab${LAB_INSTANCE}`;
export const SUBNET_PREFIX = `10.231.${LAB_INSTANCE}`;
export const SUBNET = `${SUBNET_PREFIX}.0/24`;
/** Hosts behind a bastion (private-network.ts): a subnet the controller has no route to. */
export const PRIVATE_SUBNET_PREFIX = `10.232.${LAB_INSTANCE}`;
export const PRIVATE_SUBNET = `${PRIVATE_SUBNET_PREFIX}.0/24`;
export const BRIDGE_ADDRESS = `${SUBNET_PREFIX}.1`;
export const APT_PROXY_PORT = 3142;
export const PYPI_PORT = 3141;
export const NETNS_PREFIX = LAB_INSTANCE === 0 ? 'cplab-' : `cplab${LAB_INSTANCE}-`;
/** A private network's own namespace (its switch): `_` keeps it apart from host names, which have none. */
export const PRIVATE_NETNS_PREFIX = LAB_INSTANCE === 0 ? 'cplab_private_' : `cplab${LAB_INSTANCE}_private_`;
/** Bridge-side veth names: cpv11 (instance 0), cp7v11 (instance 7); interface names are short. */
export const VETH_PREFIX = LAB_INSTANCE === 0 ? 'cpv' : `cp${LAB_INSTANCE}v`;

export const DEPLOY_USER = 'deploy';
export const DEPLOY_PASSWORD = 'deploy-sudo-pw';

export function pypiIndexUrl(): string {
  return `http://${BRIDGE_ADDRESS}:${PYPI_PORT}/simple/`;
}

export function aptProxyUrl(): string {
  return `http://${BRIDGE_ADDRESS}:${APT_PROXY_PORT}`;
}

/** Host names become hostnames and netns names, so keep them to a safe hostname label. */
export function assertHostName(name: string): void {
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(name) || name.endsWith('-')) {
    throw new Error(`bad lab host name "${name}": use lower-case letters, digits and '-', starting with a letter (at most 31 characters)`);
  }
}

export function readJson<T>(path: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
  }
}

export function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export function ensureStateDirs(): void {
  for (const dir of [SHARED_STATE_DIR, STATE_DIR, HOSTS_DIR, HOST_KEYS_DIR, CACHE_DIR, APT_CACHE_DIR, PYPI_DIR]) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  }
}

/**
 * labN gets .(10+N) so the common names have predictable addresses; any other name gets the next
 * free address from .111 up. The map is kept across `down` so a host keeps its address (and with
 * its kept host key, a stable known_hosts line).
 */
export function addressFor(name: string): string {
  const map = readJson<Record<string, number>>(ADDRESSES_FILE, {});
  let octet = map[name];
  if (octet === undefined) {
    const labNumber = /^lab([1-9][0-9]?|100)$/.exec(name);
    if (labNumber) {
      octet = 10 + Number(labNumber[1]);
    } else {
      const used = new Set(Object.values(map));
      octet = 111;
      while (used.has(octet)) octet++;
      if (octet > 254) throw new Error('the lab subnet is full: remove names from ' + ADDRESSES_FILE);
    }
    map[name] = octet;
    writeJson(ADDRESSES_FILE, map);
  }
  return `${SUBNET_PREFIX}.${octet}`;
}

export function hostOctet(address: string): number {
  return Number(address.split('.').pop());
}

/**
 * Serialises every lab mutation across processes (parallel ava workers call `up` at once).
 */
export function withLabLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(SHARED_STATE_DIR, { recursive: true });
  return withFileLock(LOCK_FILE, 'another lab command', fn);
}

/**
 * Runs `fn` holding an exclusive lock on `lockFile`. flock(1) holds the lock as long as its child
 * `cat` runs; `cat` ends when our end of its stdin closes, which also happens if this process dies,
 * so a crashed holder never leaves the lock behind. `holderName` says whom a waiting process waits for.
 */
export async function withFileLock<T>(lockFile: string, holderName: string, fn: () => Promise<T>): Promise<T> {
  const holder = spawn('flock', ['-x', lockFile, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let waitingNoticeTimer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    waitingNoticeTimer = setTimeout(() => process.stderr.write(`lab: waiting for ${holderName} to finish…\n`), 2000);
    holder.on('error', reject);
    holder.on('exit', (code) => reject(new Error(`flock on ${lockFile} ended early (exit ${code})`)));
    holder.stdout.once('data', () => resolve());
  }).finally(() => clearTimeout(waitingNoticeTimer));
  holder.removeAllListeners('exit');
  try {
    return await fn();
  } finally {
    holder.stdin.end();
    await new Promise<void>((resolve) => {
      if (holder.exitCode !== null) resolve();
      else holder.once('exit', () => resolve());
    });
  }
}
