/**
 * npm run lab -- up [N | NAME...] [--suite bookworm|trixie] [--fresh] [--behind BASTION]
 *                 status [--json] | stop NAME... | reset NAME... [--suite S] | down
 */
import { buildInventoryYaml, labInventoryVars } from './inventory.js';
import { directoryCaFile, pebbleDirectoryUrl } from './pebble.js';
import { downLab, labHostRecords, numberedHostNames, resetHosts, stopHosts, upHosts } from './lab.js';
import {
  aptProxyUrl,
  BRIDGE,
  BRIDGE_ADDRESS,
  DEFAULT_SUITE,
  DEPLOY_PASSWORD,
  DEPLOY_USER,
  isSuite,
  LAB_INSTANCE,
  LAB_KEY,
  pypiIndexUrl,
  PRIVATE_SUBNET,
  SUBNET,
  SUITES,
  type Suite,
} from './state.js';

const USAGE = `usage: npm run lab -- <command>

  up [N | NAME...] [--suite bookworm|trixie] [--fresh] [--behind BASTION]
                      start N hosts lab1..labN (default 2) or the named hosts; idempotent;
                      --behind: on a private network (${PRIVATE_SUBNET}) with the running
                      host BASTION, which the controller has no route to
  status [--json]     print an inventory (YAML, or JSON) of the running hosts
  stop NAME...        power hosts off (their disks are kept; \`up\` boots them again)
  reset NAME... [--suite S]
                      wipe the hosts' disks and boot them fresh
  down                remove every host, the network, the servers (caches are kept)

Needs root (except status). Hosts: ${SUBNET} on bridge ${BRIDGE}; apt proxy ${aptProxyUrl()};
Python index ${pypiIndexUrl()}; ACME directory ${pebbleDirectoryUrl()} (pebble; its HTTPS CA:
${directoryCaFile()}); lab key ${LAB_KEY}.`;

interface Parsed {
  command: string;
  positional: string[];
  suite?: Suite;
  json: boolean;
  fresh: boolean;
  behind?: string;
}

function parse(argv: string[]): Parsed {
  const parsed: Parsed = { command: argv[0] ?? 'help', positional: [], json: false, fresh: false };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--suite' || arg.startsWith('--suite=')) {
      const value = arg.includes('=') ? arg.slice('--suite='.length) : argv[++i];
      if (!value || !isSuite(value)) throw new UsageError(`--suite must be one of ${SUITES.join(', ')}`);
      parsed.suite = value;
    } else if (arg === '--json') parsed.json = true;
    else if (arg === '--fresh') parsed.fresh = true;
    else if (arg === '--behind' || arg.startsWith('--behind=')) {
      const value = arg.includes('=') ? arg.slice('--behind='.length) : argv[++i];
      if (!value) throw new UsageError('--behind needs the name of a running lab host');
      parsed.behind = value;
    }
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else parsed.positional.push(arg);
  }
  return parsed;
}

class UsageError extends Error {}

function hostNamesFrom(positional: string[]): string[] {
  if (positional.length === 0) return numberedHostNames(2);
  if (positional.length === 1 && /^\d+$/.test(positional[0] ?? '')) return numberedHostNames(Number(positional[0]));
  return positional;
}

function printStatus(json: boolean): void {
  const hosts = labHostRecords().filter((h) => h.running);
  if (json) {
    const data = {
      instance: LAB_INSTANCE,
      vars: labInventoryVars(),
      bridge: { name: BRIDGE, address: BRIDGE_ADDRESS, subnet: SUBNET },
      aptProxy: `${aptProxyUrl()}/debian`,
      pipIndexUrl: pypiIndexUrl(),
      keyFile: LAB_KEY,
      become: { user: DEPLOY_USER, password: DEPLOY_PASSWORD },
      hosts: hosts.map((h) => ({ name: h.name, address: h.address, suite: h.suite, user: 'root' })),
    };
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  if (hosts.length === 0) process.stderr.write('lab: no lab hosts are running (npm run lab -- up)\n');
  process.stdout.write(buildInventoryYaml(hosts));
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  switch (args.command) {
    case 'up':
      await upHosts(hostNamesFrom(args.positional), { suite: args.suite ?? DEFAULT_SUITE, fresh: args.fresh, behind: args.behind });
      printStatus(false);
      return 0;
    case 'status':
      printStatus(args.json);
      return 0;
    case 'stop':
      if (args.positional.length === 0) throw new UsageError('stop needs host names');
      await stopHosts(args.positional);
      return 0;
    case 'reset':
      if (args.positional.length === 0) throw new UsageError('reset needs host names');
      await resetHosts(args.positional, args.suite);
      return 0;
    case 'down':
      await downLab();
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command ${args.command}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) process.stderr.write(`lab: ${err.message}\n\n${USAGE}\n`);
  else process.stderr.write(`lab: error: ${(err as Error).message}\n`);
  process.exitCode = 1;
}

