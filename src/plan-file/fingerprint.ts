import { createHash } from 'node:crypto';
import { secrets } from '../core/secrets.js';
import type { HostFacts } from '../facts/types.js';

/**
 * Facts that change while nothing on the host does: clocks (the age of the apt lists), process ids
 * (a service's MainPID, the processes holding a port), and the controller's own address (a CI job
 * that applies a plan runs on another machine than the job that made it). Left out of the
 * fingerprint; a decision they change is still caught, since apply compares each task's decision
 * with the plan's until it changes the host.
 */
const VOLATILE = new Set(['aptListsAge', 'sshClientAddress', 'mainPid', 'pid', 'ppid', 'unitMainPid']);

/**
 * Facts whose lists are sets once the process ids are left out: every worker of a webserver holds its
 * listening socket, and how many workers there are comes and goes with the load.
 */
const SETS = new Set(['listeners']);

/** The facts a plan was made from, as digests: one per fact (e.g. `files /etc/nginx/conf.d/x.conf`). */
export interface FactsFingerprint {
  sha256: string;
  /** fact name -> the start of its digest (enough to name what changed) */
  parts: Record<string, string>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted keys, Maps as sorted objects, bytes as their digest, volatile keys left out. */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify(`sha256:${createHash('sha256').update(value).digest('hex')}`);
  if (value instanceof Map) return canonical(Object.fromEntries([...value].map(([key, item]) => [String(key), item])));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((key) => !VOLATILE.has(key) && (value as Record<string, unknown>)[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function canonicalSet(value: unknown): string {
  return Array.isArray(value) ? `[${[...new Set(value.map(canonical))].sort().join(',')}]` : canonical(value);
}

/** The fingerprint of a host's facts: a digest per fact and one over them all. */
export function factsFingerprint(facts: HostFacts): FactsFingerprint {
  const parts: Record<string, string> = {};
  for (const [kind, value] of Object.entries(facts).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (VOLATILE.has(kind) || value === undefined) continue;
    if (value instanceof Map) {
      // a name is a path, a package, a service, or a probe's command line, which may hold a secret
      for (const [key, item] of value) parts[secrets.mask(`${kind} ${String(key)}`)] = sha256(SETS.has(kind) ? canonicalSet(item) : canonical(item)).slice(0, 16);
    } else {
      parts[kind] = sha256(canonical(value)).slice(0, 16);
    }
  }
  const names = Object.keys(parts).sort();
  return { sha256: sha256(names.map((name) => `${name}=${parts[name]}`).join('\n')), parts: Object.fromEntries(names.map((name) => [name, parts[name]!])) };
}

/** The facts whose digests differ (or are present in one only), by name; [] when the fingerprints match. */
export function changedFacts(planned: FactsFingerprint, now: FactsFingerprint): string[] {
  if (planned.sha256 === now.sha256) return [];
  const names = new Set([...Object.keys(planned.parts), ...Object.keys(now.parts)]);
  return [...names].filter((name) => planned.parts[name] !== now.parts[name]).sort();
}
