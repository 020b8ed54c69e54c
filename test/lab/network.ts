import { existsSync, rmSync } from 'node:fs';
import { run, runOk, say } from './exec.js';
import { applyLabSysctls, restoreLabSysctls } from './sysctls.js';
import {
  BRIDGE,
  BRIDGE_ADDRESS,
  hostOctet,
  NETNS_PREFIX,
  NETWORK_STATE,
  VETH_PREFIX,
  readJson,
  SUBNET,
  writeJson,
} from './state.js';

const RULE_COMMENT = ['-m', 'comment', '--comment', 'clamprovision-lab'];

/** An iptables rule that `up` added, recorded so that `down` removes exactly it. */
interface AddedRule {
  table: 'nat' | 'filter';
  chain: string;
  spec: string[];
}

interface NetworkState {
  rules: AddedRule[];
}

const NAT_RULE: AddedRule = {
  table: 'nat',
  chain: 'POSTROUTING',
  spec: ['-s', SUBNET, '!', '-d', SUBNET, ...RULE_COMMENT, '-j', 'MASQUERADE'],
};

export function netnsName(host: string): string {
  return `${NETNS_PREFIX}${host}`;
}

/** The bridge side of a host's veth pair; named by address because interface names are short. */
export function vethName(address: string): string {
  return `${VETH_PREFIX}${hostOctet(address)}`;
}

/** Locally administered, derived from the address: 02:63:70:e7:00:XX for 10.231.0.XX (XX in hex). */
export function macFor(address: string): string {
  const hex = address.split('.').map((part) => Number(part).toString(16).padStart(2, '0'));
  return ['02', '63', '70', ...hex.slice(1)].join(':');
}

export async function linkExists(name: string): Promise<boolean> {
  return (await run('ip', ['link', 'show', 'dev', name])).code === 0;
}

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function cidrRange(cidr: string): [number, number] {
  const [addr = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  const start = Math.floor(ipv4ToInt(addr) / size) * size;
  return [start, start + size - 1];
}

/** Refuses to take a lab subnet when one of this machine's routes (other than the lab's own) already covers part of it. */
export async function assertSubnetFree(subnet: string, isLabRoute: (line: string) => boolean): Promise<void> {
  const routes = await runOk('ip', ['-4', '-o', 'route', 'show', 'table', 'all']);
  const [labStart, labEnd] = cidrRange(subnet);
  for (const line of routes.split('\n')) {
    const [dst] = line.trim().split(/\s+/);
    if (!dst || dst === 'default' || !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(dst)) continue;
    if (isLabRoute(line)) continue;
    const [start, end] = cidrRange(dst.includes('/') ? dst : `${dst}/32`);
    if (start <= labEnd && end >= labStart && !(start === 0 && end === 2 ** 32 - 1)) {
      throw new Error(`the lab subnet ${subnet} clashes with this machine's route "${line.trim()}"`);
    }
  }
}

async function ruleExists(rule: AddedRule): Promise<boolean> {
  return (await run('iptables', ['-w', '-t', rule.table, '-C', rule.chain, ...rule.spec])).code === 0;
}

async function chainPolicy(chain: string): Promise<string> {
  const listing = await runOk('iptables', ['-w', '-t', 'filter', '-S', chain]);
  return /^-P \S+ (\S+)/m.exec(listing)?.[1] ?? 'ACCEPT';
}

/** Bridge, forwarding and outbound NAT for the lab subnet; idempotent. */
export async function ensureNetwork(): Promise<void> {
  const state = readJson<NetworkState>(NETWORK_STATE, { rules: [] });
  const save = () => writeJson(NETWORK_STATE, state);
  if (!(await linkExists(BRIDGE))) {
    await assertSubnetFree(SUBNET, (line) => line.includes(` dev ${BRIDGE}`));
    say(`creating bridge ${BRIDGE} ${BRIDGE_ADDRESS}/24`);
    await runOk('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await runOk('ip', ['addr', 'add', `${BRIDGE_ADDRESS}/24`, 'dev', BRIDGE]);
  }
  await runOk('ip', ['link', 'set', BRIDGE, 'up']);

  applyLabSysctls();

  const wanted: AddedRule[] = [NAT_RULE];
  // Only open the filter chains where this machine's policy would otherwise drop lab traffic.
  if ((await chainPolicy('FORWARD')) !== 'ACCEPT') {
    wanted.push(
      { table: 'filter', chain: 'FORWARD', spec: ['-i', BRIDGE, ...RULE_COMMENT, '-j', 'ACCEPT'] },
      {
        table: 'filter',
        chain: 'FORWARD',
        spec: ['-o', BRIDGE, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...RULE_COMMENT, '-j', 'ACCEPT'],
      },
    );
  }
  if ((await chainPolicy('INPUT')) !== 'ACCEPT') {
    wanted.push({ table: 'filter', chain: 'INPUT', spec: ['-i', BRIDGE, ...RULE_COMMENT, '-j', 'ACCEPT'] });
  }
  for (const rule of wanted) {
    if (await ruleExists(rule)) continue;
    const position = rule.table === 'nat' ? ['-A', rule.chain] : ['-I', rule.chain, '1'];
    await runOk('iptables', ['-w', '-t', rule.table, ...position, ...rule.spec]);
    if (!state.rules.some((r) => JSON.stringify(r) === JSON.stringify(rule))) state.rules.push(rule);
    save();
  }
}

/** Undoes ensureNetwork: exactly the recorded rules, the bridge, and (last lab out) the kernel settings. */
export async function teardownNetwork(): Promise<void> {
  const state = readJson<NetworkState>(NETWORK_STATE, { rules: [] });
  const rules = state.rules.some((r) => r.table === 'nat') ? state.rules : [NAT_RULE, ...state.rules];
  for (const rule of rules) {
    while (await ruleExists(rule)) {
      await runOk('iptables', ['-w', '-t', rule.table, '-D', rule.chain, ...rule.spec]);
    }
  }
  if (await linkExists(BRIDGE)) await runOk('ip', ['link', 'del', BRIDGE]);
  rmSync(NETWORK_STATE, { force: true });
  const otherLabBridges = (await runOk('ip', ['-o', 'link', 'show', 'type', 'bridge']))
    .split('\n')
    .filter((line) => /^\d+:\s+cplab\d:/.test(line));
  if (otherLabBridges.length === 0) restoreLabSysctls();
}

/** A host's network namespace with its veth on the bridge, address and default route set. */
export async function createHostNetwork(host: string, address: string): Promise<void> {
  const ns = netnsName(host);
  const veth = vethName(address);
  await deleteHostNetwork(host, address);
  await runOk('ip', ['netns', 'add', ns]);
  await runOk('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await runOk('ip', ['link', 'set', veth, 'master', BRIDGE, 'up']);
  // A fixed MAC per address: a re-created host would otherwise sit behind stale ARP entries (ours,
  // its neighbours') for up to a minute.
  await runOk('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', macFor(address)]);
  await run('ip', ['neigh', 'flush', 'to', address, 'dev', BRIDGE]);
  await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await runOk('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await runOk('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await runOk('ip', ['-n', ns, 'route', 'add', 'default', 'via', BRIDGE_ADDRESS]);
}

export async function deleteHostNetwork(host: string, address: string): Promise<void> {
  const ns = netnsName(host);
  if (existsSync(`/run/netns/${ns}`)) await runOk('ip', ['netns', 'del', ns]);
  // Deleting the namespace destroys the veth pair too, but asynchronously: tolerate it vanishing.
  const veth = vethName(address);
  if ((await linkExists(veth)) && (await run('ip', ['link', 'del', veth])).code !== 0 && (await linkExists(veth))) {
    await runOk('ip', ['link', 'del', veth]);
  }
}

/** Namespaces and veths of the lab that no state file knows about any more (e.g. after a crash). */
export async function strayLabInterfaces(): Promise<{ namespaces: string[]; veths: string[] }> {
  const namespaces = (await runOk('ip', ['netns', 'list']))
    .split('\n')
    .map((line) => line.split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith(NETNS_PREFIX));
  const veths = (await runOk('ip', ['-o', 'link', 'show']))
    .split('\n')
    .map((line) => /^\d+:\s+([^:@]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(VETH_PREFIX) && /^\d+$/.test(name.slice(VETH_PREFIX.length)));
  return { namespaces, veths };
}

