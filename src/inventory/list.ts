import { throwIfAny } from '../core/errors.js';
import { SECRET_MASK, secrets } from '../core/secrets.js';
import { isoDateTimeText } from '../input/yaml-datetime.js';
import { valueMark } from '../input/yaml-source.js';
import { PASSWORD_VARIABLES } from './connection.js';
import { readInventoryModel } from './load.js';
import type { InventoryModel, Vars } from './model.js';

export interface InventoryListGroup {
  hosts?: string[];
  children?: string[];
}

/** The document `ansible-inventory --list` prints: a key per group, and `_meta.hostvars`. */
export type InventoryList = { _meta: { hostvars: Record<string, Vars> } } & Record<string, InventoryListGroup>;

/**
 * The inventory sources (merged in order) as `ansible-inventory -i … --list` resolves them: every
 * group with its direct hosts and child groups (`all` with its children only, hosts in no group in
 * `ungrouped`; a group with neither is left out) and each host's merged variables, by Ansible's
 * precedence, with the values as written: `{{ … }}` and `${NAME}` are not resolved, as
 * ansible-inventory does not resolve them; `!unsafe` values are marked as it marks them. Keys are
 * sorted, as ansible-inventory sorts them. The values are real (vault values decrypted): print the
 * list only through renderInventoryList.
 * Throws the input errors (file:line:col) of the sources.
 */
export function listInventory(sources: readonly string[]): InventoryList {
  const model = readInventoryModel(sources);
  throwIfAny(model.errors);
  const groups: Record<string, InventoryListGroup> = {};
  for (const [name, entry] of Object.entries(groupEntries(model))) {
    if ((entry.hosts?.length ?? 0) + (entry.children?.length ?? 0) > 0) groups[name] = entry;
  }
  const hostvars: Record<string, Vars> = {};
  for (const host of model.hosts.keys()) {
    const vars = listedVars(model.hostVars(host));
    if (Object.keys(vars).length > 0) hostvars[host] = vars;
  }
  return { _meta: { hostvars: sortedKeys(hostvars) as Record<string, Vars> }, ...(sortedKeys(groups) as Record<string, InventoryListGroup>) } as InventoryList;
}

/** The list as JSON in ansible-inventory's layout, every secret masked: passwords, vault values, services' secrets. */
export function renderInventoryList(list: InventoryList): string {
  const hostvars = Object.fromEntries(Object.entries(list._meta.hostvars).map(([host, vars]) => [host, maskedVars(vars)]));
  const masked = { ...list, _meta: { hostvars } };
  return JSON.stringify(masked, (_key, value: unknown) => (typeof value === 'string' ? secrets.mask(value) : value), 4) + '\n';
}

/**
 * Each group's direct hosts and children as Ansible's reconcile step leaves them: a group with no
 * parent is a child of `all`; a host is in `ungrouped` only when it is in no other group.
 */
function groupEntries(model: InventoryModel): Record<string, InventoryListGroup> {
  const entries: Record<string, InventoryListGroup> = {};
  const grouped = (host: string): boolean => [...model.groups.values()].some((group) => group.hosts.has(host) && group.name !== 'all' && group.name !== 'ungrouped');
  const allChildren = new Set(model.groups.get('all')!.children);
  for (const group of model.groups.values()) {
    if (group.name !== 'all' && group.parents.size === 0) allChildren.add(group.name);
  }
  for (const group of model.groups.values()) {
    if (group.name === 'all') {
      entries.all = { children: [...allChildren] };
      continue;
    }
    let hosts = [...group.hosts];
    if (group.name === 'ungrouped') {
      const onlyInAll = [...model.hosts.keys()].filter((host) => !grouped(host) && !group.hosts.has(host));
      hosts = [...hosts.filter((host) => !grouped(host)), ...onlyInAll];
    }
    entries[group.name] = { hosts, children: [...group.children] };
  }
  // keys in ansible-inventory's (sorted) order: children, then hosts; empty ones left out
  return Object.fromEntries(
    Object.entries(entries).map(([name, entry]) => [name, { ...(entry.children?.length ? { children: entry.children } : {}), ...(entry.hosts?.length ? { hosts: entry.hosts } : {}) }]),
  );
}

/**
 * The variables as ansible-inventory writes them: plain JSON data, keys sorted, and a value tagged
 * `!unsafe` as `{"__ansible_unsafe": TEXT}`, a YAML date and time in ISO form.
 */
function listedVars(vars: Vars): Vars {
  return listed(vars) as Vars;
}

function listed(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return JSON.parse(JSON.stringify(value ?? null)) as unknown;
  const item = (key: string | number, child: unknown): unknown => {
    if (typeof child !== 'string') return listed(child);
    const mark = valueMark(value, key);
    return mark === 'unsafe' ? { __ansible_unsafe: child } : mark === 'datetime' ? isoDateTimeText(child) : child;
  };
  if (Array.isArray(value)) return value.map((child, index) => item(index, child));
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, child]) => [key, item(key, child)]));
}

function sortedKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Secrets the variables hold by where they are, whatever their value: the passwords, services' `secrets` and `auth` users. */
function maskedVars(vars: Vars): Vars {
  const result: Vars = { ...vars };
  for (const name of PASSWORD_VARIABLES) {
    const value = result[name];
    const text = isRecord(value) && typeof value.__ansible_unsafe === 'string' ? value.__ansible_unsafe : value;
    if ((typeof text === 'string' && !isReference(text)) || typeof text === 'number') result[name] = SECRET_MASK;
  }
  if (isRecord(result.auth)) result.auth = maskedAuth(result.auth);
  if (Array.isArray(result.services)) result.services = result.services.map(maskedService);
  return result;
}

/** A value that only names where the secret comes from (`{{ vault_x }}`, `${NAME}`) holds none itself. */
function isReference(value: string): boolean {
  return /^\{\{[^{}]*\}\}$/.test(value.trim()) || /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);
}

function maskedService(service: unknown): unknown {
  if (!isRecord(service)) return service;
  const result: Vars = { ...service };
  if (isRecord(result.auth)) result.auth = maskedAuth(result.auth);
  if (isRecord(result.env) && Array.isArray(result.secrets)) {
    const env: Vars = { ...result.env };
    for (const name of result.secrets) if (typeof name === 'string' && name in env) env[name] = SECRET_MASK;
    result.env = env;
  }
  return result;
}

function maskedAuth(auth: Vars): Vars {
  if (!isRecord(auth.users)) return auth;
  return { ...auth, users: Object.fromEntries(Object.keys(auth.users).map((user) => [user, SECRET_MASK])) };
}

function isRecord(value: unknown): value is Vars {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
