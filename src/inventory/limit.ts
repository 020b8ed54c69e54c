import { InputError } from '../core/errors.js';
import { didYouMean } from '../input/suggest.js';
import type { Inventory, InventoryHost } from './types.js';

/**
 * Hosts selected by an Ansible-style pattern: comma-separated host or group names, `*`/`?` globs,
 * `~regex`, `!pattern` to exclude and `&pattern` to intersect. No pattern selects every host.
 * Every term must match something, so a typo never silently shrinks (or empties) a rollout.
 */
export function matchHosts(inventory: Inventory, pattern: string | undefined, origin = '--limit'): InventoryHost[] {
  if (pattern === undefined || pattern.trim() === '') return inventory.hosts;
  const terms = pattern.split(',').map((term) => term.trim()).filter((term) => term !== '');
  let included: Set<string> | undefined;
  const excluded = new Set<string>();
  const intersections: Set<string>[] = [];

  for (const term of terms) {
    const prefix = term[0] === '!' || term[0] === '&' ? term[0] : '';
    const body = term.slice(prefix.length);
    const names = namesMatching(inventory, body);
    if (names.size === 0) throw noMatch(inventory, origin, body);
    if (prefix === '!') names.forEach((name) => excluded.add(name));
    else if (prefix === '&') intersections.push(names);
    else names.forEach((name) => (included ??= new Set()).add(name));
  }

  const selected = inventory.hosts.filter(
    (host) =>
      (included === undefined || included.has(host.name)) &&
      !excluded.has(host.name) &&
      intersections.every((names) => names.has(host.name)),
  );
  if (selected.length === 0) throw new InputError(`${origin}: '${pattern}' selects no hosts`);
  return selected;
}

function namesMatching(inventory: Inventory, body: string): Set<string> {
  const test = matcher(body);
  const names = new Set<string>();
  for (const host of inventory.hosts) if (test(host.name)) names.add(host.name);
  for (const [group, members] of inventory.groups) if (test(group)) members.forEach((name) => names.add(name));
  return names;
}

function matcher(body: string): (name: string) => boolean {
  if (body.startsWith('~')) {
    let regex: RegExp;
    try {
      regex = new RegExp(body.slice(1));
    } catch (error) {
      throw new InputError(`'${body}' is not a valid regular expression: ${(error as Error).message}`);
    }
    return (name) => regex.test(name);
  }
  if (/[*?[]/.test(body)) {
    const source = body.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    const regex = new RegExp(`^${source}$`);
    return (name) => regex.test(name);
  }
  return (name) => name === body;
}

function noMatch(inventory: Inventory, origin: string, body: string): InputError {
  const groups = [...inventory.groups.keys()];
  const names = [...groups, ...inventory.hosts.map((host) => host.name)];
  return new InputError(`${origin}: no host or group matches '${body}'${didYouMean(body, names)}; known groups: ${groups.join(', ')}`);
}
