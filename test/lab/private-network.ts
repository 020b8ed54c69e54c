/**
 * Hosts behind a bastion. A host booted `behind` a bastion has one interface (eth0), on a network of
 * its own: PRIVATE_SUBNET, a bridge inside a namespace of its own (one per bastion), with nothing else
 * on it but the bastion's second interface (eth1). The target has no default route and so reaches the
 * bastion only: not the lab bridge, the apt proxy, the Python index or anything beyond.
 *
 * The controller has no route to PRIVATE_SUBNET: the lab adds an `unreachable` route for it, so a
 * direct connection fails at once with "No route to host" instead of leaving through this machine's
 * default gateway. Everything lives in namespaces except that route: deleting the namespaces and the
 * route (pruneBastionNetworks with no bastion in use) leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { run, runOk, say } from './exec.js';
import { assertSubnetFree, macFor } from './network.js';
import { hostOctet, NETNS_PREFIX, PRIVATE_NETNS_PREFIX, PRIVATE_SUBNET, PRIVATE_SUBNET_PREFIX } from './state.js';

const BRIDGE_IN_SWITCH = 'br0';

/** The address a host has on a private network: the octet it has on the lab bridge, in PRIVATE_SUBNET. */
export function privateAddressFor(labAddress: string): string {
  return `${PRIVATE_SUBNET_PREFIX}.${hostOctet(labAddress)}`;
}

function switchNetns(bastion: string): string {
  return `${PRIVATE_NETNS_PREFIX}${bastion}`;
}

function hostNetns(host: string): string {
  return `${NETNS_PREFIX}${host}`;
}

const netnsExists = (ns: string) => existsSync(`/run/netns/${ns}`);

async function linkExistsIn(ns: string, name: string): Promise<boolean> {
  return (await run('ip', ['-n', ns, 'link', 'show', 'dev', name])).code === 0;
}

async function routeExists(): Promise<boolean> {
  return (await runOk('ip', ['-4', 'route', 'show', 'type', 'unreachable', PRIVATE_SUBNET])).trim() !== '';
}

async function ensureNoRoute(): Promise<void> {
  if (await routeExists()) return;
  await assertSubnetFree(PRIVATE_SUBNET, () => false);
  await runOk('ip', ['route', 'add', 'unreachable', PRIVATE_SUBNET]);
}

export async function removeNoRoute(): Promise<void> {
  while (await routeExists()) await runOk('ip', ['route', 'del', 'unreachable', PRIVATE_SUBNET]);
}

async function ensureSwitch(bastion: string): Promise<string> {
  const ns = switchNetns(bastion);
  await ensureNoRoute();
  if (!netnsExists(ns)) {
    say(`creating the private network behind ${bastion} (${PRIVATE_SUBNET})`);
    await runOk('ip', ['netns', 'add', ns]);
  }
  if (!(await linkExistsIn(ns, BRIDGE_IN_SWITCH))) await runOk('ip', ['-n', ns, 'link', 'add', BRIDGE_IN_SWITCH, 'type', 'bridge']);
  await runOk('ip', ['-n', ns, 'link', 'set', BRIDGE_IN_SWITCH, 'up']);
  return ns;
}

/** A veth from the switch to the namespace `ns`, named `ifname` there, with `address`/24. */
async function plugIn(bastion: string, ns: string, ifname: string, address: string): Promise<void> {
  const sw = await ensureSwitch(bastion);
  const port = `p${hostOctet(address)}`;
  // a port left from a host that went away (its namespace deleted, the pair vanishing asynchronously)
  if (await linkExistsIn(sw, port)) await run('ip', ['-n', sw, 'link', 'del', port]);
  await runOk('ip', ['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns]);
  await runOk('ip', ['-n', sw, 'link', 'set', port, 'master', BRIDGE_IN_SWITCH, 'up']);
  await runOk('ip', ['-n', ns, 'link', 'set', ifname, 'address', macFor(address)]);
  await runOk('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', ifname]);
  await runOk('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
}

/** The namespace of a host behind `bastion`: loopback and eth0 on the private network, no default route. */
export async function createBehindNetwork(host: string, address: string, bastion: string): Promise<void> {
  const ns = hostNetns(host);
  if (netnsExists(ns)) await runOk('ip', ['netns', 'del', ns]);
  await runOk('ip', ['netns', 'add', ns]);
  await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await plugIn(bastion, ns, 'eth0', address);
}

/** Gives the (running) bastion its interface on its private network, unless it has it already. */
export async function attachBastion(bastion: string, bastionLabAddress: string): Promise<void> {
  const ns = hostNetns(bastion);
  if (!netnsExists(ns)) throw new Error(`the bastion ${bastion} is not running`);
  if (await linkExistsIn(ns, 'eth1')) return;
  await plugIn(bastion, ns, 'eth1', privateAddressFor(bastionLabAddress));
}

/**
 * Removes the private networks of bastions no running host is behind any more (with the bastions'
 * eth1), and the controller's no-route once there is none left. `inUse`: the bastions of running hosts.
 */
export async function pruneBastionNetworks(inUse: ReadonlySet<string>): Promise<void> {
  for (const ns of await privateNetworkNamespaces()) {
    const bastion = ns.slice(PRIVATE_NETNS_PREFIX.length);
    if (inUse.has(bastion)) continue;
    if (netnsExists(hostNetns(bastion)) && (await linkExistsIn(hostNetns(bastion), 'eth1'))) {
      await run('ip', ['-n', hostNetns(bastion), 'link', 'del', 'eth1']);
    }
    await runOk('ip', ['netns', 'del', ns]);
  }
  if ((await privateNetworkNamespaces()).length === 0) await removeNoRoute();
}

async function privateNetworkNamespaces(): Promise<string[]> {
  return (await runOk('ip', ['netns', 'list']))
    .split('\n')
    .map((line) => line.split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith(PRIVATE_NETNS_PREFIX));
}
