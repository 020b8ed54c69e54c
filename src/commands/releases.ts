import { homedir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { pc } from '../report/colors.js';
import { secrets } from '../core/secrets.js';
import { deployedReleases } from '../modules/release.js';
import type { ReleasesFact } from '../facts/kinds/releases.js';
import { gatherFacts } from '../engine/gather-facts.js';
import type { InventoryHost } from '../inventory/types.js';
import type { ModuleTask } from '../playbook/types.js';
import { UnreachableError } from '../transport/errors.js';
import { sshConnector } from '../transport/ssh-host.js';
import { EXIT } from './exit-codes.js';
import { prepareRun, type PrepareOptions } from './prepare.js';
import { ROLLBACK_TAGS } from './rollback.js';

export interface ReleasesOptions extends PrepareOptions {
  forks: number;
  json: boolean;
  acceptNewHostKeys: boolean;
  connectTimeout: number;
}

export interface ServiceReleases {
  service: string;
  current: string | null;
  releases: { id: string; deployed_at: string | null; current: boolean }[];
}

export interface HostReleases {
  name: string;
  address: string;
  status: 'ok' | 'failed' | 'unreachable';
  error?: string;
  services: ServiceReleases[];
}

/** A service's releases as `releases` shows them: newest deployment first, unfinished ones last. */
export function listReleases(service: string, fact: ReleasesFact): ServiceReleases {
  const deployed = deployedReleases(fact);
  const unfinished = fact.releases.filter((r) => r.deployedAt === undefined);
  return {
    service,
    current: fact.current,
    releases: [
      ...deployed.map((r) => ({ id: r.id, deployed_at: r.deployedAt, current: r.id === fact.current })),
      ...unfinished.map((r) => ({ id: r.id, deployed_at: null, current: r.id === fact.current })),
    ],
  };
}

export function renderReleases(hosts: HostReleases[]): string {
  const lines: string[] = [];
  for (const host of hosts) {
    lines.push(pc.bold(`${host.name} (${host.address})`));
    if (host.error !== undefined) lines.push(`  ${pc.red(host.status)}: ${host.error}`);
    for (const service of host.services) {
      lines.push(`  ${service.service}`);
      if (service.releases.length === 0) lines.push('    no releases');
      for (const release of service.releases) {
        const when = release.deployed_at === null ? 'not finished (never deployed)' : `deployed ${release.deployed_at}`;
        lines.push(`    ${release.current ? pc.green('*') : ' '} ${release.id}  ${when}${release.current ? '  (current)' : ''}`);
      }
    }
  }
  return secrets.mask(lines.join('\n'));
}

/** `releases`: the releases of each service on each selected host, read with one command per host. */
export async function releases(options: ReleasesOptions): Promise<number> {
  const prepared = prepareRun({ ...options, tags: ROLLBACK_TAGS });
  const connect = sshConnector({
    knownHostsFile: join(homedir(), '.ssh', 'known_hosts'),
    acceptNewHostKeys: options.acceptNewHostKeys,
    timeoutMs: options.connectTimeout * 1000,
  });
  const limit = pLimit(Math.max(1, options.forks));

  const readHost = async (host: InventoryHost): Promise<HostReleases> => {
    const base = { name: host.name, address: host.connection.address };
    const tasks = (prepared.plays.get(host.name) ?? [])
      .flatMap((play) => play.tasks)
      .filter((task): task is ModuleTask => task.kind === 'module' && task.module.name === 'release');
    if (tasks.length === 0) return { ...base, status: 'ok', services: [] };
    let remote;
    try {
      remote = await connect(host.connection);
      const facts = await gatherFacts(remote, tasks);
      const services = tasks.map((task) => {
        const args = task.args as { home: string; label: string };
        return listReleases(args.label, facts.releases.get(args.home) ?? { current: null, releases: [] });
      });
      return { ...base, status: 'ok', services };
    } catch (error) {
      return { ...base, status: error instanceof UnreachableError ? 'unreachable' : 'failed', error: (error as Error).message, services: [] };
    } finally {
      await remote?.close();
    }
  };

  const hosts = await Promise.all(prepared.hosts.map((host) => limit(() => readHost(host))));
  if (options.json) {
    process.stdout.write(JSON.stringify({ command: 'releases', hosts }, (_key, value: unknown) => (typeof value === 'string' ? secrets.mask(value) : value), 2) + '\n');
  } else {
    process.stdout.write(renderReleases(hosts) + '\n');
  }
  if (hosts.some((h) => h.status === 'failed')) return EXIT.failed;
  if (hosts.some((h) => h.status === 'unreachable')) return EXIT.unreachable;
  return EXIT.ok;
}
