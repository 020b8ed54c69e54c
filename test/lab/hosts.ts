/**
 * The one place integration tests get lab hosts from. Each test file should use its own host names
 * (ava runs files in parallel processes; `up` is serialised by a lock, so they never collide).
 *
 *   const [web1] = await labHosts(['web1'], { fresh: true });
 *   const inventory = await writeLabInventory([web1], { webserver: 'nginx' });
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSSH } from 'node-ssh';
import { buildInventoryYaml } from './inventory.js';
import { readHostRecord } from './containers.js';
import { resetHosts, stopHosts, upHosts } from './lab.js';
import { BRIDGE_ADDRESS, DEPLOY_PASSWORD, DEPLOY_USER, LAB_KEY, pypiIndexUrl, type Suite } from './state.js';

export type { Suite } from './state.js';
/** The lab's ACME server (pebble): its directory URL, the CA of the directory's HTTPS, the root it issues under. */
export { directoryCaFile as labAcmeDirectoryCa, issuingRoot as labAcmeIssuingRoot, pebbleDirectoryUrl as labAcmeDirectory } from './pebble.js';

export interface LabHost {
  name: string;
  address: string;
  port: number;
  /** root, authorised by keyFile */
  user: string;
  keyFile: string;
  /** a non-root user (same key) who may sudo with becomePassword */
  becomeUser: string;
  becomePassword: string;
  suite: Suite;
  /** set for a host behind a bastion (labHosts with `behind`): reachable only through this host */
  bastion?: LabHost;
}

/** Integration tests need root (namespaces, mounts, nspawn); without it they are skipped. */
export const labAvailable: boolean = typeof process.getuid === 'function' && process.getuid() === 0;
export const labUnavailableReason = 'lab integration tests need root (they boot systemd-nspawn hosts)';

function toLabHost(record: { name: string; address: string; suite: Suite; behind?: string }): LabHost {
  const bastion = record.behind === undefined ? null : readHostRecord(record.behind);
  return {
    ...(bastion ? { bastion: toLabHost(bastion) } : {}),
    name: record.name,
    address: record.address,
    port: 22,
    user: 'root',
    keyFile: LAB_KEY,
    becomeUser: DEPLOY_USER,
    becomePassword: DEPLOY_PASSWORD,
    suite: record.suite,
  };
}

/**
 * Ensures the named hosts run (the same code as `npm run lab -- up`, under the lab lock) and
 * returns how to reach them. `fresh` wipes and reboots them first, for tests that need a clean host.
 * `behind: BASTION` puts them on a private network that only the (running) lab host BASTION is on
 * too: the controller has no route to them (test/lab/private-network.ts says what they reach).
 */
export async function labHosts(names: string[], opts: { suite?: Suite; fresh?: boolean; behind?: string } = {}): Promise<LabHost[]> {
  const records = await upHosts(names, { suite: opts.suite, fresh: opts.fresh, behind: opts.behind });
  return records.map(toLabHost);
}

/** Powers hosts off (e.g. to test unreachable hosts); `labHosts` boots them again with their disks. */
export async function stopLabHosts(names: string[]): Promise<void> {
  await stopHosts(names);
}

/** Wipes the hosts' disks and boots them fresh. */
export async function resetLabHosts(names: string[]): Promise<LabHost[]> {
  return (await resetHosts(names)).map(toLabHost);
}

/** An Ansible-style inventory for the hosts: root by key, the lab's Python index, plus `extraVars` in all.vars. */
export function labInventoryYaml(
  hosts: LabHost[],
  extraVars: Record<string, unknown> = {},
  hostVars: Record<string, Record<string, unknown>> = {},
): string {
  return buildInventoryYaml(hosts, extraVars, hostVars);
}

/** Writes labInventoryYaml to a fresh temporary file and returns its path. */
export function writeLabInventory(
  hosts: LabHost[],
  extraVars: Record<string, unknown> = {},
  hostVars: Record<string, Record<string, unknown>> = {},
): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clamprovision-inventory-')), 'inventory.yml');
  writeFileSync(path, labInventoryYaml(hosts, extraVars, hostVars));
  return path;
}

/** Inventory variables that make the tool connect as the deploy user and sudo with its password. */
export function becomeVars(host: LabHost): Record<string, unknown> {
  return { ansible_user: host.becomeUser, ansible_become: true, ansible_become_password: host.becomePassword };
}

export function labIndexUrl(): string {
  return pypiIndexUrl();
}

export function labIndexTrustedHost(): string {
  return BRIDGE_ADDRESS;
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A node-ssh connection to the host, through its bastion if it has one; `opened` gets every connection made, to dispose. */
async function connectTo(host: LabHost, username: string, opened: NodeSSH[]): Promise<NodeSSH> {
  const sock = host.bastion
    ? await (await connectTo(host.bastion, host.bastion.user, opened)).forwardOut('127.0.0.1', 0, host.address, host.port)
    : undefined;
  const ssh = new NodeSSH();
  opened.push(ssh);
  await ssh.connect({
    host: host.address,
    port: host.port,
    username,
    privateKeyPath: host.keyFile,
    readyTimeout: 20_000,
    ...(sock ? { sock } : {}),
  });
  // node-ssh adds no error listener after connect; an ECONNRESET would otherwise crash the test process.
  ssh.connection?.on('error', () => {});
  return ssh;
}

/** How long one check command may take before sshExec gives up on it (a hung host fails the test instead of the whole run). */
const SSH_EXEC_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs one shell command on a host over node-ssh (a fresh connection each time), for checks in tests.
 * Rejects when the command has not ended after `timeoutMs` (default 10 minutes), closing the connection.
 */
export async function sshExec(host: LabHost, command: string, opts: { user?: string; stdin?: string; timeoutMs?: number } = {}): Promise<SshResult> {
  const opened: NodeSSH[] = [];
  const timeoutMs = opts.timeoutMs ?? SSH_EXEC_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`on ${host.name}: \`${command.slice(0, 200)}\` had not ended after ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
  });
  try {
    const exec = (async () => {
      const ssh = await connectTo(host, opts.user ?? host.user, opened);
      return ssh.execCommand(command, opts.stdin === undefined ? {} : { stdin: opts.stdin });
    })();
    const result = await Promise.race([exec, timedOut]);
    return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  } finally {
    clearTimeout(timer);
    for (const ssh of opened.reverse()) ssh.dispose();
  }
}
