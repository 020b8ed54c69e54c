import ejs, { type TemplateFunction } from 'ejs';
import { readFileSync } from 'node:fs';
import { noteInputRead } from '../../input/read-log.js';
import { memoizedInRun } from '../../input/run-memo.js';

/**
 * Renders an EJS template strictly: a name that is not defined, or a property that an object does
 * not have, is an error naming it (Ansible's undefined-variable error), instead of "undefined" in a
 * config file. `'key' in obj` and `typeof name` still test for presence without failing. Output is
 * not HTML-escaped: these are config files, `<%= %>` and `<%- %>` both print the value as it is.
 */
export function renderTemplate(source: string, vars: Record<string, unknown>, filename: string): string {
  return compiledTemplate(source, filename)(strictView(vars, '')) as string;
}

/** Compiled once per template text, not once per host: compiling is most of the cost of rendering. */
const compiledTemplates = new Map<string, TemplateFunction>();

/** A template file's text, read once per run. */
export function readTemplateText(path: string): string {
  return memoizedInRun(`template\0${path}`, () => {
    const text = readFileSync(path, 'utf8');
    noteInputRead(path, text);
    return text;
  });
}

/**
 * EJS compiles an included template on every include unless `cache` is on, and its cache knows
 * only file names: this one gives a compiled include back only while the file's text is the same.
 */
const compiledIncludes = new Map<string, { source: string; compiled: TemplateFunction }>();
ejs.cache = {
  get(filename: string) {
    const hit = compiledIncludes.get(filename);
    return hit !== undefined && hit.source === readTemplateText(filename) ? hit.compiled : undefined;
  },
  set(filename: string, compiled: TemplateFunction) {
    compiledIncludes.set(filename, { source: readTemplateText(filename), compiled });
  },
  remove(filename: string) {
    compiledIncludes.delete(filename);
  },
  reset() {
    compiledIncludes.clear();
  },
};

function compiledTemplate(source: string, filename: string): TemplateFunction {
  const key = `${filename}\0${source}`;
  let compiled = compiledTemplates.get(key);
  if (!compiled) {
    compiled = ejs.compile(source, {
      filename,
      escape: (value: unknown) => (value === undefined || value === null ? '' : String(value)),
      async: false,
      cache: true,
      includer: (originalPath: string, parsedPath: string) => ({ filename: parsedPath, template: readTemplateText(parsedPath) }),
    });
    compiledTemplates.set(key, compiled);
  }
  return compiled;
}

export function renderTemplateFile(path: string, vars: Record<string, unknown>): string {
  return renderTemplate(readTemplateText(path), vars, path);
}

/** Properties every object answers to that JavaScript itself and EJS probe for. */
const PROBED_KEYS = new Set(['toJSON', 'then', 'constructor', 'length', 'inspect', 'nodeType', '$$typeof', 'asymmetricMatch']);

function strictView(value: unknown, path: string): any {
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || value instanceof Date || value instanceof RegExp) {
    return value;
  }
  const isRoot = path === '';
  return new Proxy(value as object, {
    // at the root (EJS's `with (locals)`), unknown names fall through to globals and so fail as
    // "x is not defined"; below it, a missing property fails here
    has: (target, key) => Reflect.has(target, key),
    get(target, key, receiver) {
      const found = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || PROBED_KEYS.has(key)) return found;
      if (!Reflect.has(target, key)) {
        if (isRoot) return undefined;
        throw new ReferenceError(`${childPath(target, path, key)} is not defined`);
      }
      return typeof found === 'function' ? found : strictView(found, childPath(target, path, key));
    },
  });
}

function childPath(target: object, path: string, key: string): string {
  if (Array.isArray(target)) return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}
