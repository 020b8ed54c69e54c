import { InputError, type SourceLocation } from '../core/errors.js';
import { registerLocation } from '../input/yaml-source.js';
import type { InventoryModel, Vars } from './model.js';
import { parsePythonLiteral } from './python-literal.js';
import { shlexSplit } from './shlex.js';
import { declareHosts } from './yaml-inventory.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  location: SourceLocation;
  kind: 'vars' | 'children';
  parents: string[];
}

/**
 * An INI inventory read by the rules of Ansible's ini plugin (plugins/inventory/ini.py): lines before
 * the first section are hosts of `ungrouped`; `[g]` holds host lines (`NAME_OR_RANGE[:PORT] k=v …`,
 * split like a shell line), `[g:vars]` lines `k=v`, `[g:children]` group names; `#` and `;` start a
 * comment line. Every value is typed as Python's ast.literal_eval reads it (1, 1.5, True, None, 'x',
 * [1, 2]), else kept as text; this holds in `:vars` too, whatever Ansible's documentation says.
 * Errors go to the model, with file:line:col.
 */
export function readIniInventory(model: InventoryModel, text: string, file: string): void {
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let state = 'hosts';
  let sectionVars: Vars | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  const error = (message: string, location: SourceLocation): void => void model.errors.push(new InputError(message, location));

  lines.forEach((raw, index) => {
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    const at = (offset = 0): SourceLocation => ({ file, line: index + 1, col: indent + offset + 1 });
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;

    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      state = section[2] ?? 'hosts';
      sectionVars = undefined;
      if (!['hosts', 'children', 'vars'].includes(state)) {
        error(`section [${group}:${state}] has an unknown type '${state}': it must be [${group}], [${group}:vars] or [${group}:children]`, at(group.length + 2));
        state = 'invalid';
        return;
      }
      if (!model.groups.has(group) && state === 'vars' && !pending.has(group)) pending.set(group, { location: at(), kind: 'vars', parents: [] });
      model.group(group, at(1));
      const waiting = pending.get(group);
      if (waiting && state !== 'vars') {
        for (const parent of waiting.parents) model.addChild(parent, group, waiting.location);
        pending.delete(group);
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      error(`invalid section header '${line}': write [group], [group:vars] or [group:children], without spaces`, at());
      state = 'invalid';
      return;
    }

    if (state === 'hosts') readHostLine(model, line, group, at, error);
    else if (state === 'vars') {
      sectionVars ??= newVars(model, group);
      readVarLine(line, sectionVars, at, error);
    } else if (state === 'children') {
      const child = GROUP_NAME.exec(line)?.[1];
      if (child === undefined) return error(`expected a group name in [${group}:children], got '${line}'`, at());
      if (model.groups.has(child)) model.addChild(group, child, at());
      else {
        const waiting = pending.get(child) ?? { location: at(), kind: 'children' as const, parents: [] };
        waiting.parents.push(group);
        pending.set(child, waiting);
      }
    }
  });

  for (const [name, waiting] of pending) {
    if (waiting.kind === 'vars') error(`section [${name}:vars] is for a group that is never defined: add [${name}] or list it under a [PARENT:children]`, waiting.location);
    else error(`[${waiting.parents.at(-1)}:children] names the group '${name}', which is never defined (add a [${name}] section)`, waiting.location);
  }
}

function newVars(model: InventoryModel, group: string): Vars {
  const vars: Vars = {};
  model.group(group).vars.push(vars);
  return vars;
}

function readHostLine(
  model: InventoryModel,
  line: string,
  group: string,
  at: (offset?: number) => SourceLocation,
  error: (message: string, location: SourceLocation) => void,
): void {
  let words;
  try {
    words = shlexSplit(line);
  } catch (reason) {
    return error(`cannot read the host line: ${(reason as Error).message}`, at());
  }
  const [pattern, ...assignments] = words;
  if (!pattern) return;
  if (pattern.text === '---') return error("a host named '---' is the start of a YAML document: give a YAML inventory the extension .yml", at());
  if (pattern.text.endsWith(':')) return error(`host '${pattern.text}' ends in ':' without a port number`, at(pattern.start));
  const vars: Vars = {};
  for (const word of assignments) {
    const equals = word.text.indexOf('=');
    if (equals < 0) {
      error(`expected key=value after the host name, got '${word.text}' (a value with spaces needs quotes: key="a b")`, at(word.start));
      continue;
    }
    assign(vars, word.text.slice(0, equals), word.text.slice(equals + 1), at(word.start), at(word.start + equals + 1), error);
  }
  declareHosts(model, pattern.text, group, at(pattern.start), [vars]);
}

function readVarLine(line: string, vars: Vars, at: (offset?: number) => SourceLocation, error: (message: string, location: SourceLocation) => void): void {
  const equals = line.indexOf('=');
  if (equals < 0) return error(`expected key=value in a :vars section, got '${line}'`, at());
  const value = line.slice(equals + 1);
  const valueOffset = equals + 1 + (value.length - value.trimStart().length);
  assign(vars, line.slice(0, equals).trim(), value.trim(), at(), at(valueOffset), error);
}

function assign(vars: Vars, key: string, text: string, keyAt: SourceLocation, valueAt: SourceLocation, error: (message: string, location: SourceLocation) => void): void {
  if (key === '') return error('a variable name must not be empty (key=value)', keyAt);
  if (key === '__proto__') return error("a key named '__proto__' is not allowed", keyAt);
  let value: unknown;
  try {
    const literal = parsePythonLiteral(text);
    value = literal ? literal.value : text;
  } catch (reason) {
    return error(`${key}: ${(reason as Error).message}`, valueAt);
  }
  Object.defineProperty(vars, key, { value, writable: true, enumerable: true, configurable: true });
  registerLocation(vars, key, valueAt);
}
