import { InputError, type SourceLocation } from '../core/errors.js';
import { cloneLocated, spreadLocated } from '../input/yaml-source.js';
import { MAX_HOSTS } from './host-range.js';

export type Vars = Record<string, unknown>;

/** Variables from group_vars/ or host_vars/ of the inventory source with this index. */
export interface FileVars {
  source: number;
  vars: Vars;
}

export interface Group {
  name: string;
  /** Variable mappings written in inventories, in order (a group may be declared in several places). */
  vars: Vars[];
  fileVars: FileVars[];
  hosts: Set<string>;
  children: Set<string>;
  parents: Set<string>;
  location?: SourceLocation;
}

export interface HostDeclaration {
  name: string;
  /** Host variable mappings in order of appearance; later ones win. */
  vars: Vars[];
  fileVars: FileVars[];
  /** Where the host is first declared. */
  location?: SourceLocation;
}

/**
 * Groups and hosts of one or more inventory sources, as Ansible's InventoryData holds them: groups and
 * hosts of the same name are one, `all` holds every group, `ungrouped` the hosts in no other group.
 */
export class InventoryModel {
  readonly errors: InputError[] = [];
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, HostDeclaration>();
  private tooManyHosts = false;

  constructor() {
    this.group('all');
    this.addChild('all', 'ungrouped');
  }

  group(name: string, location?: SourceLocation): Group {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, vars: [], fileVars: [], hosts: new Set(), children: new Set(), parents: new Set(), location };
      this.groups.set(name, group);
    }
    return group;
  }

  /** Makes `child` a child of `parent`; false (with an error) when that makes a cycle or puts `all` below a group. */
  addChild(parent: string, child: string, location?: SourceLocation): boolean {
    if (child === 'all') {
      this.errors.push(new InputError("'all' is the root group and cannot be a child of another group", location));
      return false;
    }
    if (this.isAncestor(child, parent)) {
      this.errors.push(new InputError(`group '${child}' cannot be a child of '${parent}': that makes a cycle`, location));
      return false;
    }
    this.group(child, location).parents.add(parent);
    this.group(parent).children.add(child);
    return true;
  }

  /** Declares the host in the group; undefined (with an error, reported once) past MAX_HOSTS. */
  addHost(name: string, group: string, location?: SourceLocation): HostDeclaration | undefined {
    let declaration = this.hosts.get(name);
    if (!declaration) {
      if (this.hosts.size >= MAX_HOSTS) {
        if (!this.tooManyHosts) this.errors.push(new InputError(`more than ${MAX_HOSTS} hosts in the inventory: at most ${MAX_HOSTS} are allowed`, location));
        this.tooManyHosts = true;
        return undefined;
      }
      declaration = { name, vars: [], fileVars: [], location };
      this.hosts.set(name, declaration);
    }
    this.group(group).hosts.add(name);
    return declaration;
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

  /** ansible_group_priority, read (as Ansible does) from the inventory's own group variables only. */
  private priority(group: Group): number {
    for (let i = group.vars.length - 1; i >= 0; i--) {
      const value = group.vars[i]!.ansible_group_priority;
      const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof number === 'number' && Number.isInteger(number)) return number;
    }
    return 1;
  }

  /**
   * The host's groups (all, direct and ancestors) in the order their variables apply. A host in no
   * group but `all` is in `ungrouped`; one named under `ungrouped` and in another group is not.
   */
  groupsOf(host: string): Group[] {
    const direct = [...this.groups.values()].filter((group) => group.hosts.has(host) && group.name !== 'all');
    const grouped = direct.filter((group) => group.name !== 'ungrouped');
    const start = grouped.length > 0 ? grouped : [this.group('ungrouped')];
    const found = new Set<Group>([this.group('all')]);
    const add = (group: Group): void => {
      if (found.has(group)) return;
      found.add(group);
      for (const parent of group.parents) add(this.groups.get(parent)!);
    };
    start.forEach(add);
    return [...found].sort((a, b) => this.depth(a.name) - this.depth(b.name) || this.priority(a) - this.priority(b) || compare(a.name, b.name));
  }

  /**
   * The host's variables with Ansible's precedence (its default VARIABLE_PRECEDENCE), lowest first:
   * `all` in the inventory, the other groups in the inventory (by depth, ansible_group_priority, name),
   * group_vars/all, the other groups' group_vars files, the host in the inventory, host_vars files.
   * So group_vars/all.yml wins over a group's vars written in the inventory. Top-level values replace
   * each other whole.
   */
  hostVars(name: string): Vars {
    const host = this.hosts.get(name)!;
    const [all, ...groups] = this.groupsOf(name);
    return spreadLocated(
      ...all!.vars.map(withoutPriority),
      ...groups.flatMap((group) => group.vars.map(withoutPriority)),
      ...bySource(all!.fileVars),
      ...bySourceThenGroup(groups),
      ...host.vars,
      ...bySource(host.fileVars),
    );
  }

  /** Every variable mapping read, each once (for `${NAME}`, which must be replaced exactly once). */
  variableLayers(): Vars[] {
    const layers = new Set<Vars>();
    for (const owner of [...this.groups.values(), ...this.hosts.values()]) {
      owner.vars.forEach((vars) => layers.add(vars));
      owner.fileVars.forEach((file) => layers.add(file.vars));
    }
    return [...layers];
  }

  /** group -> every host in it or in its descendants, in declaration order. */
  membership(): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const name of this.groups.keys()) result.set(name, []);
    for (const host of this.hosts.keys()) {
      for (const group of this.groupsOf(host)) result.get(group.name)!.push(host);
    }
    return result;
  }
}

/**
 * A group's variables without ansible_group_priority: written in an inventory it sets the group's
 * priority and is no variable (Ansible's Group.set_variable); in group_vars/ it is an ordinary one.
 */
function withoutPriority(vars: Vars): Vars {
  if (!Object.prototype.hasOwnProperty.call(vars, 'ansible_group_priority')) return vars;
  const copy = cloneLocated(vars);
  delete copy.ansible_group_priority;
  return copy;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bySource(files: FileVars[]): Vars[] {
  return [...files].sort((a, b) => a.source - b.source).map((file) => file.vars);
}

/** Ansible reads the vars files of each inventory source in turn, each for the groups in order. */
function bySourceThenGroup(groups: Group[]): Vars[] {
  const sources = [...new Set(groups.flatMap((group) => group.fileVars.map((file) => file.source)))].sort((a, b) => a - b);
  return sources.flatMap((source) => groups.flatMap((group) => group.fileVars.filter((file) => file.source === source).map((file) => file.vars)));
}
