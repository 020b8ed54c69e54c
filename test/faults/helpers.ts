/**
 * Helpers of the fault tests (issue 7): run the real CLI (in the foreground or in the background),
 * poll with a bound, run things on a lab host in the background, read host-key fingerprints.
 */
import { shellQuote } from '../../src/core/shell-quote.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { buildInventoryYaml } from '../lab/inventory.js';
import { repoRoot } from '../helpers/cli.js';

export { explain, hostReport, runCli, startCli, type CliRun } from '../helpers/cli.js';
import { sshExec, type LabHost } from '../lab/hosts.js';
import { SUBNET_PREFIX } from '../lab/state.js';
import { testTempDir } from '../helpers/temp-dir.js';

export const faultsFixtures = join(repoRoot, 'test', 'fixtures', 'faults');

/**
 * A new directory for files a fault test writes (inventories, keys, known_hosts), removed when the
 * file's tests are done.
 */
export const faultsTempDir = testTempDir;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false | null | ''>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Starts `command` on the host detached from our SSH session (it keeps running after we disconnect). */
export async function onHostInBackground(host: LabHost, command: string, logFile = '/dev/null'): Promise<void> {
  const result = await sshExec(host, `setsid nohup sh -c ${shellQuote(command)} >${logFile} 2>&1 </dev/null & echo started`);
  if (!result.stdout.includes('started')) throw new Error(`could not start on ${host.name}: ${result.stderr}`);
}


/** `ssh-keygen -lf`: the SHA256 fingerprint of a public key (file or key line), e.g. "SHA256:abc…". */
export function fingerprintOf(publicKeyFile: string): string {
  const line = execFileSync('ssh-keygen', ['-lf', publicKeyFile], { encoding: 'utf8' });
  const found = /\b(SHA256:[A-Za-z0-9+/=]+)/.exec(line);
  if (!found) throw new Error(`no fingerprint in: ${line}`);
  return found[1]!;
}

/** The lab keeps each host's key outside the host: /var/lib/clamprovision-lab/hostkeys/NAME/. */
export function labHostPublicKeyFile(name: string): string {
  return join('/var/lib/clamprovision-lab/hostkeys', name, 'ssh_host_ed25519_key.pub');
}

/**
 * An unused address in this lab instance's subnet (CLAMPROVISION_LAB_INSTANCE; the lab hands out
 * .11-.110 to labN and .111 upwards to other names): on the lab's bridge, with no host behind it.
 */
export const NO_HOST_OCTET = 250;
export const NO_HOST_ADDRESS = `${SUBNET_PREFIX}.${NO_HOST_OCTET}`;

/** Like writeLabInventory, for entries that need not be lab hosts (a closed port, an address with no host). */
export function writeInventoryFor(
  hosts: Array<{ name: string; address: string }>,
  vars: Record<string, unknown> = {},
  hostVars: Record<string, Record<string, unknown>> = {},
): string {
  const path = join(faultsTempDir('inventory'), 'inventory.yml');
  writeFileSync(path, buildInventoryYaml(hosts, vars, hostVars));
  return path;
}

/**
 * What a TCP connection from this machine to address:port meets within the timeout: `connected`, `refused`
 * (a RST: nothing listens, or a firewall rejects), `timeout` (no answer: a firewall dropping the SYN — or a
 * machine too slow to answer in time, which only a control probe to a port that must answer can rule out).
 */
export type TcpProbe = 'connected' | 'refused' | 'timeout' | `error: ${string}`;

export function tcpProbe(address: string, port: number, timeoutMs = 3000): Promise<TcpProbe> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: address, port });
    const done = (outcome: TcpProbe) => {
      socket.destroy();
      resolvePromise(outcome);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'refused' : `error: ${error.code ?? error.message}`));
  });
}

/**
 * A listener on the host for each of these TCP ports (systemd socket activation: the minimal image has no
 * nc or python), answering "probe" to every connection: a port that does not answer then can only be
 * closed by the firewall.
 */
export async function listenOnHost(host: LabHost, unit: string, ports: number[]): Promise<void> {
  const socketUnit = ['[Socket]', ...ports.map((port) => `ListenStream=${port}`), 'Accept=yes', ''].join('\n');
  const serviceUnit = ['[Service]', 'ExecStart=/bin/echo probe', 'StandardInput=socket', 'StandardOutput=socket', ''].join('\n');
  const result = await sshExec(
    host,
    `printf '${socketUnit}' > /etc/systemd/system/${unit}.socket && printf '${serviceUnit}' > /etc/systemd/system/${unit}@.service && ` +
      `systemctl daemon-reload && systemctl restart ${unit}.socket`,
  );
  if (result.code !== 0) throw new Error(`listener ${unit} on ${host.name}: ${result.stderr}`);
}

export interface CommandLineWatch {
  /** stops sampling: how often it looked, and the command lines that held one of the values */
  stop(): { samples: number; hits: string[] };
}

/**
 * Samples the command line of every process on this machine (the controller) every `intervalMs`,
 * keeping those that hold one of `values`. Sampling, so a caller proves it looks by planting a canary
 * among the values in a process of its own. The reads are asynchronous: a /proc read that blocks
 * (a process whose memory map is locked) delays a sample, never the test process itself.
 */
export function watchControllerCommandLines(values: string[], intervalMs = 100): CommandLineWatch {
  const hits = new Set<string>();
  let samples = 0;
  let sampling = false;
  const readCommandLine = (entry: string) =>
    readFile(`/proc/${entry}/cmdline`, 'utf8').then(
      (text) => text.replaceAll('\0', ' '),
      () => '', // the process ended meanwhile
    );
  const sample = async () => {
    const entries = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
    const commandLines = await Promise.all(entries.map(readCommandLine));
    for (const commandLine of commandLines) if (values.some((value) => commandLine.includes(value))) hits.add(commandLine);
    samples++;
  };
  const tick = () => {
    if (sampling) return;
    sampling = true;
    sample()
      .catch(() => undefined)
      .finally(() => (sampling = false));
  };
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { samples, hits: [...hits] };
    },
  };
}
