import { InputError, type SourceLocation } from '../core/errors.js';
import { locate, locateKey, registerLocation } from '../input/yaml-source.js';
import { didYouMean } from '../input/suggest.js';
import { expandHostRange } from './host-range.js';
import { splitHostPort } from './host-pattern.js';
import type { InventoryModel, Vars } from './model.js';

const GROUP_KEYS = ['hosts', 'vars', 'children'];

export function isMapping(value: unknown): value is Vars {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Adds the groups and hosts of a parsed Ansible YAML inventory (a mapping of groups) to the model. */
export function readYamlInventory(model: InventoryModel, data: Vars, file: string): void {
  new YamlInventoryReader(model, file).readTopLevel(data);
}

class YamlInventoryReader {
  constructor(
    private readonly model: InventoryModel,
    private readonly file: string,
  ) {}

  private where(container: object, key?: string | number): SourceLocation {
    return locate(container, key) ?? { file: this.file, line: 1, col: 1 };
  }

  private error(message: string, location: SourceLocation | undefined): void {
    this.model.errors.push(new InputError(message, location));
  }

  readTopLevel(data: Vars): void {
    // A top-level group is below `all` (it is in every host's groups); as in Ansible, it is not made a
    // child of `all` here, so one that is also a child of another group stays only there.
    for (const [name, definition] of Object.entries(data)) this.readGroup(name, definition, data, undefined);
  }

  private readGroup(name: string, definition: unknown, container: Vars, parent: string | undefined): void {
    const group = this.model.group(name, locateKey(container, name));
    if (parent !== undefined && !this.model.addChild(parent, name, locateKey(container, name))) return;
    if (definition === null) return;
    if (!isMapping(definition)) {
      const hint = Array.isArray(definition) ? ' (put its hosts under `hosts:`, each as a key ending in a colon: `web1:`)' : '';
      this.error(`group '${name}' must be a mapping with hosts, vars or children, not ${describe(definition)}${hint}`, this.where(container, name));
      return;
    }
    for (const [key, value] of Object.entries(definition)) {
      if (!GROUP_KEYS.includes(key)) {
        this.error(`unknown key '${key}' in group '${name}': a group has only hosts, vars and children${didYouMean(key, GROUP_KEYS)}`, locateKey(definition, key));
        continue;
      }
      if (value === null) continue;
      if (key === 'hosts') this.readHosts(name, value, definition);
      else if (key === 'vars') {
        if (isMapping(value)) group.vars.push(value);
        else this.error(`'vars' of group '${name}' must be a mapping of variable names to values, not ${describe(value)}`, this.where(definition, 'vars'));
      } else this.readChildren(name, value, definition);
    }
  }

  private readHosts(group: string, hosts: unknown, container: Vars): void {
    if (!isMapping(hosts)) {
      const hint = Array.isArray(hosts) ? ': write each host name as a key ending in a colon (`web1:`), one per line' : '';
      this.error(`'hosts' of group '${group}' must be a mapping of host names, not ${describe(hosts)}${hint}`, this.where(container, 'hosts'));
      return;
    }
    for (const [pattern, vars] of Object.entries(hosts)) {
      const location = locateKey(hosts, pattern);
      if (pattern.trim() === '') {
        this.error('a host name must not be empty', location);
        continue;
      }
      if (vars !== null && !isMapping(vars)) {
        this.error(`host '${pattern}' must have a mapping of variables or nothing, not ${describe(vars)}`, this.where(hosts, pattern));
        continue;
      }
      declareHosts(this.model, pattern, group, location, vars ? [vars] : []);
    }
  }

  private readChildren(group: string, children: unknown, container: Vars): void {
    if (!isMapping(children)) {
      const hint = Array.isArray(children) ? ': write each child group as a key ending in a colon (`web:`), one per line' : '';
      this.error(`'children' of group '${group}' must be a mapping of group names, not ${describe(children)}${hint}`, this.where(container, 'children'));
      return;
    }
    for (const [name, definition] of Object.entries(children)) this.readGroup(name, definition, children, group);
  }
}

/**
 * Declares the hosts a pattern names (`web[01:03]:2222`) in a group, with their variables; a port in
 * the pattern becomes ansible_port, below the variables written with the host. Used by both formats.
 */
export function declareHosts(model: InventoryModel, pattern: string, group: string, location: SourceLocation | undefined, vars: Vars[]): void {
  const { name, port } = splitHostPort(pattern);
  let names: string[];
  try {
    names = expandHostRange(name);
  } catch (error) {
    model.errors.push(new InputError((error as Error).message, location));
    return;
  }
  const layers = [...vars];
  if (port !== undefined) {
    const portVars: Vars = { ansible_port: port };
    registerLocation(portVars, 'ansible_port', location);
    layers.unshift(portVars);
  }
  for (const host of names) {
    const declaration = model.addHost(host, group, location);
    if (!declaration) return;
    declaration.vars.push(...layers);
  }
}
