import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError, throwIfAny } from '../core/errors.js';
import { loadYamlFile } from '../input/yaml-file.js';
import { locate, locateKey } from '../input/yaml-source.js';
import { modules } from '../modules/registry.js';
import { didYouMean } from '../input/suggest.js';
import type { PlaySpec, Playbook, TaskSpec } from './types.js';
import { varsSchemaNames } from './vars-schemas.js';

const TASK_KEYWORDS = ['name', 'when', 'loop', 'notify', 'tags', 'meta'] as const;
const PLAY_KEYWORDS = ['name', 'hosts', 'vars_schema', 'defaults', 'vars', 'tasks', 'handlers'] as const;

const stringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeyError(container: object, key: string, known: readonly string[], what: string): InputError {
  return new InputError(
    `unknown ${what} '${key}'${didYouMean(key, known)}`,
    locateKey(container, key) ?? locate(container),
  );
}

function parseTask(raw: unknown, errors: InputError[], where: object, index: number): TaskSpec | undefined {
  if (!isMapping(raw)) {
    errors.push(new InputError('a task must be a mapping (name: …, MODULE: {…})', locate(where, index)));
    return undefined;
  }
  const moduleKeys = Object.keys(raw).filter((k) => !(TASK_KEYWORDS as readonly string[]).includes(k));
  const known = Object.keys(modules);
  for (const key of moduleKeys.filter((k) => !known.includes(k))) {
    errors.push(unknownKeyError(raw, key, [...known, ...TASK_KEYWORDS], 'module or task keyword'));
  }
  const chosen = moduleKeys.filter((k) => known.includes(k));
  if ('meta' in raw) {
    if (raw.meta !== 'flush_handlers') errors.push(new InputError(`meta: only 'flush_handlers' is supported`, locate(raw, 'meta')));
    chosen.push('meta');
  }
  if (chosen.length !== 1) {
    if (moduleKeys.length === chosen.length || chosen.length > 1) {
      errors.push(
        new InputError(
          chosen.length === 0 ? `a task needs one module (one of: ${known.join(', ')})` : `a task has exactly one module, found ${chosen.join(', ')}`,
          locate(where, index),
        ),
      );
    }
    return undefined;
  }
  const module = chosen[0]!;
  const fields = { name: raw.name, notify: raw.notify ?? [], tags: raw.tags ?? [] };
  const name = z.string().optional().safeParse(fields.name);
  const notify = stringList.safeParse(fields.notify);
  const tags = stringList.safeParse(fields.tags);
  if (!name.success) errors.push(new InputError('name must be a string', locate(raw, 'name')));
  if (!notify.success) errors.push(new InputError('notify must be a handler name or a list of them', locate(raw, 'notify')));
  if (!tags.success) errors.push(new InputError('tags must be a string or a list of strings', locate(raw, 'tags')));
  if (!name.success || !notify.success || !tags.success) return undefined;
  return {
    name: name.data,
    module,
    args: module === 'meta' ? raw.meta : (raw[module] ?? {}),
    when: raw.when,
    loop: raw.loop,
    notify: notify.data,
    tags: tags.data,
    location: locate(where, index),
    raw,
  };
}

function parseTaskList(container: Record<string, unknown>, key: 'tasks' | 'handlers', errors: InputError[]): TaskSpec[] {
  const list = container[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    errors.push(new InputError(`${key} must be a list`, locate(container, key)));
    return [];
  }
  return list.flatMap((raw, index) => parseTask(raw, errors, list, index) ?? []);
}

function parsePlay(raw: unknown, index: number, root: unknown[], errors: InputError[]): PlaySpec | undefined {
  if (!isMapping(raw)) {
    errors.push(new InputError('a play must be a mapping with hosts and tasks', locate(root, index)));
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!(PLAY_KEYWORDS as readonly string[]).includes(key)) errors.push(unknownKeyError(raw, key, PLAY_KEYWORDS, 'play keyword'));
  }
  const hosts = raw.hosts ?? 'all';
  if (typeof hosts !== 'string') errors.push(new InputError('hosts must be a host or group pattern', locate(raw, 'hosts')));
  const varsSchema = raw.vars_schema;
  if (varsSchema !== undefined && !(varsSchemaNames() as unknown[]).includes(varsSchema)) {
    errors.push(new InputError(`vars_schema must be one of: ${varsSchemaNames().join(', ')}`, locate(raw, 'vars_schema')));
  }
  for (const key of ['defaults', 'vars'] as const) {
    if (raw[key] !== undefined && raw[key] !== null && !isMapping(raw[key])) {
      errors.push(new InputError(`${key} must be a mapping of variable names to values`, locate(raw, key)));
    }
  }
  return {
    name: typeof raw.name === 'string' ? raw.name : `play ${index + 1}`,
    hosts: typeof hosts === 'string' ? hosts : 'all',
    varsSchema: typeof varsSchema === 'string' ? varsSchema : undefined,
    defaults: isMapping(raw.defaults) ? raw.defaults : {},
    vars: isMapping(raw.vars) ? raw.vars : {},
    tasks: parseTaskList(raw, 'tasks', errors),
    handlers: parseTaskList(raw, 'handlers', errors),
    location: locate(root, index),
  };
}

export function loadPlaybook(file: string): Playbook {
  const path = resolve(file);
  const root = loadYamlFile(path);
  if (!Array.isArray(root)) {
    throw new InputError('a playbook is a list of plays (- hosts: …, tasks: […])', root && typeof root === 'object' ? locate(root) : { file: path, line: 1, col: 1 });
  }
  const errors: InputError[] = [];
  const plays = root.flatMap((raw, index) => parsePlay(raw, index, root, errors) ?? []);
  throwIfAny(errors);
  return { file: path, dir: dirname(path), plays };
}
