/**
 * End-to-end helpers: drive the real CLI (`node dist/cli.js`, built by `npm test`) against lab
 * hosts, and look at the hosts the way their admin would: HTTP from this machine, systemctl, ps,
 * ufw status, files.
 */
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { labInventoryYaml, sshExec, type LabHost } from '../lab/hosts.js';
import { repoRoot, runCli, type CliRun } from '../helpers/cli.js';
import { testTempDir } from '../helpers/temp-dir.js';

export const helloSource = join(repoRoot, 'examples', 'hello');

export { changedTasks, explain, hostReport, repoRoot, type CliRun, type HostReport, type RunReport, type TaskReport } from '../helpers/cli.js';

/** Runs `node dist/cli.js ARGS --json` and parses its report. */
export function cli(args: string[], timeoutMs = 20 * 60_000): Promise<CliRun> {
  return runCli([...args, '--json'], { timeoutMs });
}

export function apply(inventory: string, ...extra: string[]): Promise<CliRun> {
  return cli(['apply', inventory, ...extra]);
}

/** Writes an inventory for these hosts (lab connection + package index, plus `vars`) to a temp file. */
export function writeInventory(hosts: LabHost[], vars: Record<string, unknown>, hostVars: Record<string, Record<string, unknown>> = {}): string {
  const dir = testTempDir('inventory');
  const path = join(dir, 'inventory.yml');
  writeFileSync(path, labInventoryYaml(hosts, vars, hostVars));
  return path;
}

/** The hello example as a service entry. */
export function hello(name: string, urlPrefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, source: helloSource, wsgi: 'hello.wsgi', url_prefix: urlPrefix, ...extra };
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: Headers;
}

/** GET from this machine (no redirects followed). */
export async function httpGet(url: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** Whether a TCP connection to address:port succeeds from this machine within the timeout. */
export function tcpReachable(address: string, port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: address, port });
    const done = (reachable: boolean) => {
      socket.destroy();
      resolvePromise(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Runs a command on the host as root and returns its stdout; fails on a non-zero exit. */
export async function onHost(host: LabHost, command: string): Promise<string> {
  const result = await sshExec(host, command);
  if (result.code !== 0) throw new Error(`on ${host.name}: \`${command}\` exited ${result.code}: ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

export async function mainPid(host: LabHost, unit: string): Promise<number> {
  return Number(await onHost(host, `systemctl show -p MainPID --value ${unit}`));
}

/**
 * Apache's main process, from the pid file Apache writes itself. Not systemd's MainPID: Debian's
 * apache2.service is Type=forking without a PIDFile, so systemd guesses the main process, and on a
 * loaded machine the guess fails (MainPID=0, and 0 = 0 would prove nothing).
 */
export async function apacheMainPid(host: LabHost): Promise<number> {
  const pid = Number(await onHost(host, 'p=$(cat /run/apache2/apache2.pid) && [ "$(cat /proc/$p/comm)" = apache2 ] && echo "$p"'));
  if (!(pid > 0)) throw new Error(`on ${host.name}: no Apache main process in /run/apache2/apache2.pid`);
  return pid;
}

export async function processUser(host: LabHost, pid: number): Promise<string> {
  return onHost(host, `ps -o user= -p ${pid}`);
}

/** PIDs of a process's children, sorted (nginx/Apache workers: a reload replaces them). */
export async function childPids(host: LabHost, pid: number): Promise<number[]> {
  const out = await sshExec(host, `pgrep -P ${pid}`);
  return out.stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

export async function unitState(host: LabHost, unit: string): Promise<{ active: string; enabled: string }> {
  const active = (await sshExec(host, `systemctl is-active ${unit}`)).stdout.trim();
  const enabled = (await sshExec(host, `systemctl is-enabled ${unit}`)).stdout.trim();
  return { active, enabled };
}

/**
 * `ufw status` as the admin reads it: whether it is active and the rules as "TO ACTION FROM" lines
 * with runs of spaces collapsed, e.g. "22/tcp ALLOW IN Anywhere", "80/tcp (v6) ALLOW IN Anywhere (v6)".
 */
export async function ufwStatus(host: LabHost): Promise<{ active: boolean; rules: string[]; defaults: string }> {
  const status = await onHost(host, 'ufw status verbose');
  const lines = status.split('\n');
  const active = lines.some((line) => /^Status: active/.test(line));
  const defaults = lines.find((line) => line.startsWith('Default:')) ?? '';
  const header = lines.findIndex((line) => line.startsWith('--'));
  const rules = header < 0 ? [] : lines.slice(header + 1).map((line) => line.trim().replace(/\s{2,}/g, ' ')).filter(Boolean);
  return { active, rules, defaults };
}

/** The rules without the IPv6 duplicates ufw adds, sorted: what the firewall allows. */
export function ipv4Rules(rules: string[]): string[] {
  return [...new Set(rules.map((rule) => rule.replace(/ \(v6\)/g, '')))].sort();
}

/** GET over HTTPS from this machine, accepting the test's self-signed certificate. */
export function httpsGet(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const request = httpsRequest(url, { rejectUnauthorized: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    request.on('error', reject);
    request.end();
  });
}
