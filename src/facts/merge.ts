import type { FactRequest, HostFacts } from './types.js';

/**
 * One request per thing: a file asked for with and without its content is asked once with it, and
 * all package names go into one request (one dpkg-query for the whole run).
 */
export function mergeFactRequests(requests: readonly FactRequest[]): FactRequest[] {
  const byKey = new Map<string, FactRequest>();
  const packages = new Set<string>();
  for (const request of requests) {
    switch (request.kind) {
      case 'packages':
        for (const name of request.names) packages.add(name);
        break;
      case 'file': {
        const key = `file\0${request.path}`;
        const previous = byKey.get(key);
        const content = Boolean(request.content) || (previous?.kind === 'file' && Boolean(previous.content));
        byKey.set(key, { kind: 'file', path: request.path, ...(content ? { content: true } : {}) });
        break;
      }
      case 'tree':
      case 'venv':
        byKey.set(`${request.kind}\0${request.path}`, request);
        break;
      case 'service':
      case 'user':
      case 'group':
        byKey.set(`${request.kind}\0${request.name}`, request);
        break;
      case 'probe':
        byKey.set(`probe\0${request.command}`, request);
        break;
      case 'ufw':
        byKey.set('ufw', request);
        break;
    }
  }
  const merged = [...byKey.values()];
  if (packages.size > 0) merged.push({ kind: 'packages', names: [...packages].sort() });
  return merged;
}

/**
 * Facts read again after a change replace the older ones they cover; the rest stay. For an engine
 * that re-reads, in one more command, what the remaining tasks need once a task changed the host.
 */
export function mergeFacts(base: HostFacts, update: HostFacts): HostFacts {
  const merged: HostFacts = {
    ...base,
    os: update.os.id ? update.os : base.os,
    init: update.init,
    user: update.user || base.user,
    files: new Map([...base.files, ...update.files]),
    trees: new Map([...base.trees, ...update.trees]),
    packages: new Map([...base.packages, ...update.packages]),
    services: new Map([...base.services, ...update.services]),
    venvs: new Map([...base.venvs, ...update.venvs]),
    users: new Map([...base.users, ...update.users]),
    groups: new Map([...base.groups, ...update.groups]),
    probes: new Map([...base.probes, ...update.probes]),
  };
  if (update.ufw) merged.ufw = update.ufw;
  if (update.aptListsAge !== undefined) merged.aptListsAge = update.aptListsAge;
  if (update.sshPort !== undefined) merged.sshPort = update.sshPort;
  if (update.sshClientAddress !== undefined) merged.sshClientAddress = update.sshClientAddress;
  return merged;
}
