import path from 'node:path';
import { InputError, inputErrorsIn, throwIfAny, type SourceLocation } from '../core/errors.js';
import { loadYamlFile, locate, locateKey, spreadLocated } from '../input/yaml-source.js';
import { didYouMean } from '../input/suggest.js';
import { connectionSettings } from './connection.js';
import { expandHostRange, MAX_HOSTS } from './host-range.js';
import { substituteEnvironment } from './environment.js';
import type { Inventory, InventoryHost } from './types.js';

type Vars = Record<string, unknown>;

interface Group {
  name: string;
  /** Variable mappings as written (a group may be declared in several places). */
  vars: Vars[];
  hosts: Set<string>;
  children: Set<string>;
  parents: Set<string>;
  location?: SourceLocation;
}

interface HostDeclaration {
  name: string;
  /** Host variable mappings in order of appearance; later ones win. */
  vars: Vars[];
  location?: SourceLocation;
}

const GROUP_KEYS = ['hosts', 'vars', 'children'];

/** Reads an Ansible-style YAML inventory. Throws InputError / InputErrors with file:line:col. */
export function loadInventory(file: string, env: NodeJS.ProcessEnv = process.env): Inventory {
  const data = loadYamlFile(file);
  const dir = path.dirname(path.resolve(file));
  const errors = substituteEnvironment(data, env);

  if (data === null || data === undefined) {
    throw new InputError('the inventory is empty: it needs at least `all: {hosts: {NAME: …}}`', { file, line: 1, col: 1 });
  }
  if (!isMapping(data)) {
    throw new InputError('the inventory must be a mapping of groups (starting with `all:`), not a list or a single value', locate(data as object) ?? { file, line: 1, col: 1 });
  }
  const reader = new InventoryReader(file);
  reader.readTopLevel(data);
  errors.push(...reader.errors);
  throwIfAny(errors);

  const hosts: InventoryHost[] = [];
  for (const declaration of reader.hosts.values()) {
    const groups = reader.groupsOf(declaration.name);
    // Ansible's default hash_behaviour "replace": a more specific value replaces the other whole.
    // The values stay the parsed originals, so their source positions stay known.
    const vars = spreadLocated(...groups.flatMap((group) => group.vars), ...declaration.vars);
    try {
      const connection = connectionSettings(declaration.name, vars, dir);
      hosts.push({ name: declaration.name, groups: groups.map((group) => group.name), vars, connection, location: declaration.location });
    } catch (error) {
      const found = inputErrorsIn(error);
      if (!found) throw error;
      errors.push(...found);
    }
  }
  throwIfAny(errors);
  if (hosts.length === 0) {
    throw new InputError('the inventory defines no hosts (add them under `all: hosts:` or under a group)', locate(data) ?? { file, line: 1, col: 1 });
  }
  return { file, dir, hosts, groups: reader.membership() };
}

function isMapping(value: unknown): value is Vars {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

class InventoryReader {
  readonly errors: InputError[] = [];
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, HostDeclaration>();

  constructor(private readonly file: string) {
    this.group('all');
  }

  private where(container: object, key?: string | number): SourceLocation {
    return locate(container, key) ?? { file: this.file, line: 1, col: 1 };
  }

  private group(name: string, location?: SourceLocation): Group {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, vars: [], hosts: new Set(), children: new Set(), parents: new Set(), location };
      this.groups.set(name, group);
    }
    return group;
  }

  readTopLevel(data: Vars): void {
    for (const [name, definition] of Object.entries(data)) {
      // Top-level groups other than `all` are its children, as in Ansible.
      this.readGroup(name, definition, data, name === 'all' ? undefined : 'all');
    }
  }

  private readGroup(name: string, definition: unknown, container: Vars, parent: string | undefined): void {
    const group = this.group(name, locateKey(container, name));
    if (parent !== undefined) {
      if (name === 'all') {
        this.errors.push(new InputError("'all' is the root group and cannot be a child of another group", locateKey(container, name)));
        return;
      }
      this.group(parent).children.add(name);
      group.parents.add(parent);
    }
    if (definition === null) return;
    if (!isMapping(definition)) {
      const hint = Array.isArray(definition) ? ' (put its hosts under `hosts:`, each as a key ending in a colon: `web1:`)' : '';
      this.errors.push(new InputError(`group '${name}' must be a mapping with hosts, vars or children, not ${describe(definition)}${hint}`, this.where(container, name)));
      return;
    }
    for (const [key, value] of Object.entries(definition)) {
      if (!GROUP_KEYS.includes(key)) {
        this.errors.push(new InputError(`unknown key '${key}' in group '${name}': a group has only hosts, vars and children${didYouMean(key, GROUP_KEYS)}`, locateKey(definition, key)));
        continue;
      }
      if (value === null) continue;
      if (key === 'hosts') this.readHosts(group, value, definition);
      else if (key === 'vars') this.readGroupVars(group, value, definition);
      else this.readChildren(group, value, definition);
    }
  }

  private readHosts(group: Group, hosts: unknown, container: Vars): void {
    if (!isMapping(hosts)) {
      const hint = Array.isArray(hosts) ? ': write each host name as a key ending in a colon (`web1:`), one per line' : '';
      this.errors.push(new InputError(`'hosts' of group '${group.name}' must be a mapping of host names, not ${describe(hosts)}${hint}`, this.where(container, 'hosts')));
      return;
    }
    for (const [name, vars] of Object.entries(hosts)) {
      if (name.trim() === '') {
        this.errors.push(new InputError('a host name must not be empty', locateKey(hosts, name)));
        continue;
      }
      if (vars !== null && !isMapping(vars)) {
        this.errors.push(new InputError(`host '${name}' must have a mapping of variables or nothing, not ${describe(vars)}`, this.where(hosts, name)));
        continue;
      }
      let names: string[];
      try {
        names = expandHostRange(name);
      } catch (error) {
        this.errors.push(new InputError((error as Error).message, locateKey(hosts, name)));
        continue;
      }
      for (const host of names) {
        let declaration = this.hosts.get(host);
        if (!declaration && this.hosts.size >= MAX_HOSTS) {
          this.errors.push(new InputError(`more than ${MAX_HOSTS} hosts in the inventory: at most ${MAX_HOSTS} are allowed`, locateKey(hosts, name)));
          return;
        }
        if (!declaration) {
          declaration = { name: host, vars: [], location: locateKey(hosts, name) };
          this.hosts.set(host, declaration);
        }
        if (vars) declaration.vars.push(vars);
        group.hosts.add(host);
      }
    }
  }

  private readGroupVars(group: Group, vars: unknown, container: Vars): void {
    if (!isMapping(vars)) {
      this.errors.push(new InputError(`'vars' of group '${group.name}' must be a mapping of variable names to values, not ${describe(vars)}`, this.where(container, 'vars')));
      return;
    }
    group.vars.push(vars);
  }

  private readChildren(group: Group, children: unknown, container: Vars): void {
    if (!isMapping(children)) {
      const hint = Array.isArray(children) ? ': write each child group as a key ending in a colon (`web:`), one per line' : '';
      this.errors.push(new InputError(`'children' of group '${group.name}' must be a mapping of group names, not ${describe(children)}${hint}`, this.where(container, 'children')));
      return;
    }
    for (const [name, definition] of Object.entries(children)) {
      if (name !== 'all' && this.isAncestor(name, group.name)) {
        this.errors.push(new InputError(`group '${name}' cannot be a child of '${group.name}': that makes a cycle`, locateKey(children, name)));
        continue;
      }
      this.readGroup(name, definition, children, group.name);
    }
  }

  /** True when `candidate` is `name` or one of its ancestors. */
  private isAncestor(candidate: string, name: string): boolean {
    if (candidate === name) return true;
    const group = this.groups.get(name);
    return [...(group?.parents ?? [])].some((parent) => this.isAncestor(candidate, parent));
  }

  /** Depth below `all` (longest path), as Ansible orders group variables. */
  private depth(name: string, memo = new Map<string, number>()): number {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const parents = [...(this.groups.get(name)?.parents ?? [])];
    const depth = name === 'all' ? 0 : parents.length === 0 ? 1 : 1 + Math.max(...parents.map((parent) => this.depth(parent, memo)));
    memo.set(name, depth);
    return depth;
  }

  private priority(group: Group): number {
    for (let i = group.vars.length - 1; i >= 0; i--) {
      const value = group.vars[i]!.ansible_group_priority;
      if (typeof value === 'number') return value;
    }
    return 1;
  }

  /** The host's groups (all, direct and ancestors) in the order their variables apply. */
  groupsOf(host: string): Group[] {
    const found = new Set<Group>();
    const add = (group: Group): void => {
      if (found.has(group)) return;
      found.add(group);
      for (const parent of group.parents) add(this.groups.get(parent)!);
    };
    for (const group of this.groups.values()) if (group.hosts.has(host)) add(group);
    found.add(this.groups.get('all')!);
    const ungrouped = [...found].every((group) => group.name === 'all');
    const ordered = [...found].sort(
      (a, b) => this.depth(a.name) - this.depth(b.name) || this.priority(a) - this.priority(b) || a.name.localeCompare(b.name),
    );
    if (ungrouped) ordered.splice(1, 0, this.group('ungrouped'));
    return ordered;
  }

  /** group -> every host in it or in its descendants, in declaration order. */
  membership(): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const name of this.groups.keys()) result.set(name, []);
    for (const host of this.hosts.keys()) {
      for (const group of this.groupsOf(host)) result.get(group.name)?.push(host) ?? result.set(group.name, [host]);
    }
    return result;
  }
}
