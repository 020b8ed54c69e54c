import ejs, { type TemplateFunction } from 'ejs';
import { readFileSync } from 'node:fs';
import { noteInputRead } from '../../input/read-log.js';
import { memoizedInRun, runState } from '../../input/run-memo.js';

/**
 * Renders an EJS template strictly: a name that is not defined, or a property that an object does
 * not have, is an error naming it (Ansible's undefined-variable error), instead of "undefined" in a
 * config file. `'key' in obj` and `typeof name` still test for presence without failing. Output is
 * not HTML-escaped: these are config files, `<%= %>` and `<%- %>` both print the value as it is.
 *
 * A template reads its variables only through strictView, which notes every read: within a run,
 * a template whose reads give the same values as for an earlier host gives the same text, and is
 * not rendered again (1,000 hosts of one group mostly differ only in their names).
 */
export function renderTemplate(source: string, vars: Record<string, unknown>, filename: string): string {
  const earlier = runState('rendered templates', () => new Map<string, Renderings>());
  const key = `${filename}\0${source}`;
  let known = earlier.get(key);
  if (!known) earlier.set(key, (known = { renderings: [], misses: 0 }));
  const same = known.renderings.find((rendering) => readsAgree(rendering.reads, vars));
  if (same) {
    known.misses = 0;
    return same.text;
  }
  known.misses += 1;
  // A template that gave a new text for every one of the last hosts (one that names its host) is
  // rendered without noting its reads, which cost more than the rendering, but for one in every
  // UNNOTED_AFTER: a text that comes back is still remembered.
  const reads = known.misses <= UNNOTED_AFTER || known.misses % UNNOTED_AFTER === 0 ? new Map<string, Read>() : undefined;
  const text = compiledTemplate(source, filename)(strictView(vars, '', [], reads)) as string;
  if (reads) known.renderings = [{ reads: [...reads.values()], text }, ...known.renderings].slice(0, REMEMBERED_RENDERINGS);
  return text;
}

/** The renderings of one template remembered in a run, and how many renderings in a row found none of them. */
interface Renderings {
  renderings: Rendering[];
  misses: number;
}

/** After this many new texts in a row, a template's reads are noted for one rendering in this many. */
const UNNOTED_AFTER = 16;

/** One value a template read: at `keys` below the variables, what was there (or whether it was there, or which keys). */
interface Read {
  keys: PropertyKey[];
  kind: 'value' | 'has' | 'ownKeys';
  seen: unknown;
}

interface Rendering {
  reads: Read[];
  text: string;
}

/** How many renderings of one template are remembered (one per service of a host, usually). */
const REMEMBERED_RENDERINGS = 8;

/** What a read saw, as compared: an object (a container read further) stands for its kind only. */
function seenValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || isLeafObject(value)) return value;
  return Array.isArray(value) ? ARRAY : OBJECT;
}

const ARRAY = Symbol('array');
const OBJECT = Symbol('object');

function isLeafObject(value: object): boolean {
  return Buffer.isBuffer(value) || value instanceof Date || value instanceof RegExp;
}

function readsAgree(reads: readonly Read[], vars: Record<string, unknown>): boolean {
  return reads.every((read) => {
    let container: unknown = vars;
    for (const key of read.keys.slice(0, -1)) {
      if (typeof container !== 'object' || container === null) return false;
      container = Reflect.get(container, key);
    }
    if (typeof container !== 'object' || container === null) return false;
    const last = read.keys.at(-1)!;
    if (read.kind === 'ownKeys') return sameList(Reflect.ownKeys(container), read.seen as PropertyKey[]);
    const has = read.keys.length === 1 ? Object.hasOwn(container, last) : Reflect.has(container, last);
    if (read.kind === 'has') return has === read.seen;
    return Object.is(seenValue(has ? Reflect.get(container, last) : undefined), read.seen);
  });
}

function sameList(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
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
      // the variables as they are (strictView), not EJS's copy of them: a copy reads every one of them
      unsafePrototypeLocals: true,
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

/**
 * The variables as a template sees them (see renderTemplate), each read noted in `reads` if given. At the root
 * (EJS's `with (locals)`), only the variables' own names are found: any other name falls through to
 * the globals and so fails as "x is not defined"; below it, a missing property fails here.
 */
function strictView(value: unknown, path: string, keys: PropertyKey[], reads: Map<string, Read> | undefined): any {
  if (typeof value !== 'object' || value === null || isLeafObject(value)) return value;
  const isRoot = path === '';
  // a read's map key is JSON.stringify([kind, ...keys, key]), its steps' part made once per object
  const prefix = reads === undefined ? '' : keys.map(stepJson).join(',');
  const note = (key: PropertyKey, kind: Read['kind'], seen: unknown): void => {
    if (reads === undefined) return;
    const step = stepJson(key);
    reads.set(`[${KIND_JSON[kind]},${prefix === '' ? step : `${prefix},${step}`}]`, { keys: [...keys, key], kind, seen });
  };
  return new Proxy(value as object, {
    has: (target, key) => {
      const has = isRoot ? Object.hasOwn(target, key) : Reflect.has(target, key);
      note(key, 'has', has);
      return has;
    },
    ownKeys: (target) => {
      const own = Reflect.ownKeys(target);
      note('', 'ownKeys', own);
      return own;
    },
    get(target, key, receiver) {
      const has = isRoot ? Object.hasOwn(target, key) : Reflect.has(target, key);
      const found = has ? Reflect.get(target, key, receiver) : undefined;
      if (reads !== undefined) note(key, 'value', seenValue(found));
      if (typeof key === 'symbol' || PROBED_KEYS.has(key)) return found;
      if (!has) {
        if (isRoot) return undefined;
        throw new ReferenceError(`${childPath(target, path, key)} is not defined`);
      }
      return typeof found === 'function' ? found : strictView(found, childPath(target, path, key), reads === undefined ? keys : [...keys, key], reads);
    },
  });
}

const KIND_JSON: Record<Read['kind'], string> = { value: '"value"', has: '"has"', ownKeys: '"ownKeys"' };

/** One step of a read's path as JSON: a symbol as a one-item list (no string can be written like it). */
function stepJson(step: PropertyKey): string {
  return JSON.stringify(typeof step === 'symbol' ? [String(step)] : step);
}

function childPath(target: object, path: string, key: string): string {
  if (Array.isArray(target)) return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}
