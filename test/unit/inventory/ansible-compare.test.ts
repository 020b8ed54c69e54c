import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';

const fixture = fileURLToPath(new URL('../../fixtures/inventory/docs-example/', import.meta.url));

interface AnsibleList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | AnsibleList['_meta'];
}
const expected = JSON.parse(readFileSync(path.join(fixture, 'ansible-inventory-list.json'), 'utf8')) as AnsibleList;

/** group -> every host in it or below it, from ansible-inventory's output. */
function ansibleMembership(list: AnsibleList): Record<string, string[]> {
  const below = (group: string): string[] => {
    const entry = list[group] as { hosts?: string[]; children?: string[] } | undefined;
    return [...(entry?.hosts ?? []), ...(entry?.children ?? []).flatMap(below)];
  };
  const groups = Object.keys(list).filter((name) => name !== '_meta' && name !== 'all');
  return Object.fromEntries(groups.map((group) => [group, [...new Set(below(group))].sort()]));
}

function ourMembership(inventory: Inventory): Record<string, string[]> {
  return Object.fromEntries([...inventory.groups].filter(([name, hosts]) => name !== 'all' && hosts.length > 0).map(([name, hosts]) => [name, [...hosts].sort()]));
}

for (const file of ['hosts.ini', 'hosts.yml']) {
  test(`${file} resolves as ansible-inventory --list resolves it: hosts, groups and every host variable`, (t) => {
    const inventory = loadInventory(path.join(fixture, file), {});
    const hostvars = Object.fromEntries(inventory.hosts.map((host) => [host.name, JSON.parse(JSON.stringify(host.vars)) as unknown]));
    t.deepEqual(hostvars, expected._meta.hostvars);
    t.deepEqual(ourMembership(inventory), ansibleMembership(expected));
  });
}
