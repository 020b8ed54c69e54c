import {
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  Scalar,
  visit,
  type CollectionTag,
  type Document,
  type Node as YamlNode,
  type ScalarTag,
  type Tags,
  type YAMLError,
} from 'yaml';
import { InputError, throwIfAny, type SourceLocation } from '../core/errors.js';
import { VAULT_TAG, VaultCiphertext, decryptVaultValue } from './vault-values.js';
import { PYYAML_DATETIME, pythonDateTimeText } from './yaml-datetime.js';

/**
 * YAML with positions. The plain JS objects and arrays built here are keys of a WeakMap that
 * remembers where each of their values (and keys) came from, so any later stage that still holds
 * the original object can point at file:line:col without threading positions through its types.
 */

interface Positions {
  /** Unknown for containers built by the program (e.g. merged variables). */
  self?: SourceLocation;
  values: Map<string | number, SourceLocation>;
  keys: Map<string, SourceLocation>;
  /** What some values are beyond their text: `!unsafe` ones (never templated), YAML dates and times. */
  marks?: Map<string | number, ValueMark>;
}

export type ValueMark = 'unsafe' | 'datetime';

/** The text of an `!unsafe` value until the builder records, with its container, that it is one. */
class UnsafeText {
  constructor(readonly text: string) {}
}

/** Ansible's `!unsafe`: a string taken literally, never templated (`{{ }}` in it stays as written). */
const UNSAFE_TAG: ScalarTag = {
  tag: '!unsafe',
  identify: (value) => value instanceof UnsafeText,
  resolve: (text) => new UnsafeText(text),
};

/** Records what `container[key]` is (for copies the program makes); undefined removes the mark. */
export function markValue(container: object, key: string | number, mark: ValueMark | undefined): void {
  let positions = registry.get(container);
  if (!positions) {
    if (mark === undefined) return;
    positions = { values: new Map(), keys: new Map() };
    registry.set(container, positions);
  }
  if (mark === undefined) positions.marks?.delete(key);
  else (positions.marks ??= new Map()).set(key, mark);
}

export function valueMark(container: object, key: string | number): ValueMark | undefined {
  return registry.get(container)?.marks?.get(key);
}

/** True when `container[key]` was written with Ansible's `!unsafe` tag. */
export function isUnsafeValue(container: object, key: string | number): boolean {
  return valueMark(container, key) === 'unsafe';
}

const registry = new WeakMap<object, Positions>();

/** Position of `container[key]`'s value, or of the container itself when no key is given. */
export function locate(container: object, key?: string | number): SourceLocation | undefined {
  const positions = registry.get(container);
  if (!positions) return undefined;
  if (key === undefined) return positions.self;
  const normalized = Array.isArray(container) && typeof key === 'string' && /^\d+$/.test(key) ? Number(key) : key;
  return positions.values.get(normalized);
}

/** Position of the key itself (for "unknown key" messages); falls back to the value's position. */
export function locateKey(container: object, key: string): SourceLocation | undefined {
  const positions = registry.get(container);
  return positions?.keys.get(key) ?? positions?.values.get(key);
}

/**
 * Position of a value at a path below `root` (e.g. ['services', 0, 'wsgi']): the deepest
 * container on the path that has a position for the next step. Used to map zod issue paths.
 */
export function locatePath(root: unknown, path: readonly PropertyKey[]): SourceLocation | undefined {
  let current: unknown = root;
  let best = typeof root === 'object' && root !== null ? locate(root) : undefined;
  for (const step of path) {
    if (typeof current !== 'object' || current === null || typeof step === 'symbol') break;
    best = locate(current, step) ?? best;
    current = (current as Record<string | number, unknown>)[step];
  }
  return best;
}

/** Registers a position for a value the caller created (e.g. a merged copy) so errors can point at it. */
export function registerLocation(container: object, key: string | number, location: SourceLocation | undefined): void {
  if (!location) return;
  let positions = registry.get(container);
  if (!positions) {
    positions = { values: new Map(), keys: new Map() };
    registry.set(container, positions);
  }
  positions.values.set(key, location);
}

/**
 * `{...a, ...b}` that keeps the source positions of the top-level values (a plain spread loses
 * them, and errors about those values would then have no file:line:col).
 */
export function spreadLocated(...layers: Array<object | null | undefined>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      define(merged, key, value);
      const location = locate(layer, key);
      if (location) registerLocation(merged, key, location);
      else registry.get(merged)?.values.delete(key);
      markValue(merged, key, valueMark(layer, key));
    }
  }
  return merged;
}

export interface YamlOptions {
  /**
   * YAML 1.1 as PyYAML reads it, for the files Ansible reads (inventories, group_vars, host_vars):
   * yes/no/on/off are booleans, 0755 is octal, 1:30 is sexagesimal; dates stay text; a date and time
   * (2017-03-07T10:20:49Z) is the text Python's str() gives the datetime: 2017-03-07 10:20:49+00:00.
   */
  yaml11?: boolean;
}

/** A shallow copy of a container that keeps its own and its values' (and keys') positions. */
export function cloneLocated<T extends object>(container: T): T {
  const copy = (Array.isArray(container) ? [...container] : {}) as T;
  if (!Array.isArray(container)) for (const [key, value] of Object.entries(container)) define(copy as Record<string, unknown>, key, value);
  const positions = registry.get(container);
  if (positions) registry.set(copy, { self: positions.self, values: new Map(positions.values), keys: new Map(positions.keys), marks: positions.marks && new Map(positions.marks) });
  return copy;
}

const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const BOOL_TAG = 'tag:yaml.org,2002:bool';

const FLOAT_TAG = 'tag:yaml.org,2002:float';
/** PyYAML's float resolver: a dot is needed, an exponent needs its sign; `.` and `1e3` are text. */
const PYYAML_FLOAT =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function pyyamlFloat(text: string): number {
  let value = text.replace(/_/g, '').toLowerCase();
  const sign = value.startsWith('-') ? -1 : 1;
  if (value.startsWith('-') || value.startsWith('+')) value = value.slice(1);
  if (value === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (value === '.nan') return Number.NaN;
  // sexagesimal, 190:20:30.15
  if (value.includes(':')) return sign * value.split(':').reduce((total, part) => total * 60 + Number.parseFloat(part), 0);
  return sign * Number.parseFloat(value);
}

const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';

/** A YAML 1.1 date and time, until the builder makes Python's text of it where its position is known. */
class YamlDateTime {
  constructor(readonly text: string) {}
}

// The yaml library's YAML 1.1 also reads y and n as booleans, and `.` and 1e3 as floats; PyYAML does not.
function pyyamlTags(tags: Array<ScalarTag | CollectionTag>): Array<ScalarTag | CollectionTag> {
  const kept = tags.filter((tag) => tag.tag !== BOOL_TAG && tag.tag !== FLOAT_TAG && tag.tag !== 'tag:yaml.org,2002:timestamp');
  const bool = (value: boolean, test: RegExp): ScalarTag => ({ tag: BOOL_TAG, default: true, test, identify: (v) => v === value, resolve: () => value });
  const float: ScalarTag = { tag: FLOAT_TAG, default: true, test: PYYAML_FLOAT, identify: (v) => typeof v === 'number' && !Number.isInteger(v), resolve: pyyamlFloat };
  const datetime: ScalarTag = { tag: TIMESTAMP_TAG, default: true, test: PYYAML_DATETIME, identify: (v) => v instanceof YamlDateTime, resolve: (text) => new YamlDateTime(text) };
  return [...kept, bool(true, PYYAML_TRUE), bool(false, PYYAML_FALSE), float, datetime];
}

export function parseYamlText(text: string, file: string, options: YamlOptions = {}): unknown {
  const lineCounter = new LineCounter();
  // !vault values are decrypted below; an unknown tag is an error
  const tags = options.yaml11
    ? ({ version: '1.1', customTags: (defaults: Tags) => [...pyyamlTags(defaults as Array<ScalarTag | CollectionTag>), VAULT_TAG, UNSAFE_TAG] } as const)
    : { customTags: [VAULT_TAG, UNSAFE_TAG] };
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: true, prettyErrors: false, ...tags });
  const at = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });

  const errors = doc.errors.filter((error) => error.code !== 'DUPLICATE_KEY').map((error) => syntaxError(error, text, at, doc));
  if (doc.errors.some((error) => error.code === 'DUPLICATE_KEY')) errors.push(...duplicateKeys(doc, at));
  // An unknown tag would silently leave its raw text as the value (an encrypted password, say).
  for (const warning of doc.warnings) {
    if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
    const tag = text.slice(warning.pos[0], warning.pos[1]);
    const message =
      tag === '!vault'
        ? 'an Ansible Vault value (!vault) must be a string: `!vault |` followed by the encrypted text'
        : tag === '!unsafe'
          ? '!unsafe is supported on single values (text), not on a list or mapping: tag each value in it'
          : `unknown YAML tag '${tag}'`;
    errors.push(new InputError(message, at(warning.pos[0])));
  }
  let value: unknown;
  if (errors.length === 0) {
    const builder = new PlainBuilder(doc, at);
    value = builder.build(doc.contents as YamlNode | null);
    errors.push(...builder.errors);
  }
  throwIfAny(errors);
  return value;
}

function syntaxError(error: YAMLError, text: string, at: (offset: number) => SourceLocation, doc: Document): InputError {
  const [start] = error.pos;
  const location = at(start);
  switch (error.code) {
    case 'MISSING_CHAR': {
      // yaml reports an unclosed quote where the file ends; the user needs the opening quote.
      const opening = /quote/.test(error.message) ? unclosedQuoteStart(doc, start) : undefined;
      if (opening !== undefined) return new InputError('YAML syntax error: this quoted string is never closed', at(opening));
      return new InputError(`YAML syntax error: ${error.message}`, location);
    }
    case 'MULTIPLE_DOCS':
      return new InputError('the file holds more than one YAML document (a second "---"); keep everything in one', location);
    case 'TAB_AS_INDENT':
      return new InputError('YAML syntax error: tabs are not allowed for indentation, use spaces', location);
    default:
      return new InputError(`YAML syntax error: ${error.message}`, location);
  }
}

/** Each key that repeats an earlier key of its mapping, at the repeated key (yaml points elsewhere when a value is empty). */
function duplicateKeys(doc: Document, at: (offset: number) => SourceLocation): InputError[] {
  const errors: InputError[] = [];
  visit(doc, {
    Map(_key, node) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key) && isScalar(pair.key)) {
          errors.push(new InputError(`duplicate key '${String(key)}': a key may appear only once in a mapping`, at(pair.key.range?.[0] ?? 0)));
        }
        seen.add(key);
      }
    },
  });
  return errors;
}

function unclosedQuoteStart(doc: Document, errorOffset: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
      if (quoted && node.range && node.range[1] >= errorOffset - 1 && node.range[1] <= errorOffset + 1) found = node.range[0];
    },
  });
  return found;
}

/** Turns the node tree into plain JS (YAML 1.2 core types), registering positions on the way. */
class PlainBuilder {
  readonly errors: InputError[] = [];
  private readonly built = new Map<YamlNode, unknown>();

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => SourceLocation,
  ) {}

  private start(node: YamlNode | null | undefined): SourceLocation | undefined {
    return node?.range ? this.at(node.range[0]) : undefined;
  }

  build(node: YamlNode | null | undefined): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        this.errors.push(new InputError(`unknown YAML alias '*${node.source}' (no anchor '&${node.source}' before it)`, this.start(node)));
        return null;
      }
      return this.build(target as YamlNode);
    }
    if (this.built.has(node)) return this.built.get(node);
    if (isScalar(node)) {
      if (node.value instanceof VaultCiphertext) return decryptVaultValue(node.value, this.start(node), this.errors);
      if (node.value instanceof UnsafeText) return node.value.text;
      if (node.value instanceof YamlDateTime) {
        try {
          return pythonDateTimeText(node.value.text);
        } catch (error) {
          this.errors.push(new InputError(`${(error as Error).message}: quote it to keep it as text`, this.start(node)));
          return null;
        }
      }
      if (typeof node.value === 'string' && node.value.length > MAX_STRING_LENGTH) {
        this.errors.push(new InputError(`a value of ${node.value.length} characters: at most ${MAX_STRING_LENGTH} are allowed`, this.start(node)));
        return null;
      }
      return node.value;
    }
    if (isSeq(node)) {
      const array: unknown[] = [];
      this.built.set(node, array);
      const positions = this.register(array, node);
      node.items.forEach((item, index) => {
        const location = this.start(item as YamlNode) ?? positions.self;
        if (location) positions.values.set(index, location);
        const mark = this.mark(item as YamlNode);
        if (mark) (positions.marks ??= new Map()).set(index, mark);
        array.push(this.build(item as YamlNode));
      });
      return array;
    }
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      this.built.set(node, object);
      const positions = this.register(object, node);
      const merges: YamlNode[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        if (isScalar(keyNode) && typeof keyNode.value === 'symbol' && keyNode.value.description === '<<') {
          merges.push(pair.value as YamlNode);
          continue;
        }
        if (keyNode !== null && !isScalar(keyNode)) {
          this.errors.push(new InputError('a mapping key must be a plain string, not a list or mapping', this.start(keyNode)));
          continue;
        }
        const key = keyNode === null || keyNode.value === null ? '' : String(keyNode.value);
        const keyLocation = this.start(keyNode) ?? positions.self!;
        const refused = refusedKey(key);
        if (refused) {
          this.errors.push(new InputError(refused, keyLocation));
          continue;
        }
        const valueNode = pair.value as YamlNode | null;
        // An empty value (`web1:`) has no text of its own: point at its key.
        const valueLocation = isScalar(valueNode) && valueNode.value === null && valueNode.source === '' ? keyLocation : (this.start(valueNode) ?? keyLocation);
        positions.keys.set(key, keyLocation);
        positions.values.set(key, valueLocation);
        const mark = this.mark(valueNode);
        if (mark) (positions.marks ??= new Map()).set(key, mark);
        define(object, key, this.build(valueNode));
      }
      for (const merge of merges) this.applyMerge(object, positions, merge);
      return object;
    }
    this.errors.push(new InputError('unsupported YAML construct', this.start(node)));
    return null;
  }

  // `<<: *base` (or a list of them): keys from the sources fill in what the mapping does not set.
  private applyMerge(object: Record<string, unknown>, positions: Positions, merge: YamlNode): void {
    const resolved = isAlias(merge) ? (merge.resolve(this.doc) as YamlNode | undefined) : merge;
    const sources = isSeq(resolved) ? (resolved.items as YamlNode[]) : [merge];
    for (const sourceNode of sources) {
      const source = this.build(sourceNode);
      if (typeof source !== 'object' || source === null || Array.isArray(source)) {
        this.errors.push(new InputError('a merge key (<<) needs a mapping or an alias of one', this.start(sourceNode)));
        continue;
      }
      for (const [key, value] of Object.entries(source)) {
        if (Object.prototype.hasOwnProperty.call(object, key)) continue;
        define(object, key, value);
        const mark = valueMark(source, key);
        if (mark) (positions.marks ??= new Map()).set(key, mark);
        const valueLocation = locate(source, key);
        const keyLocation = locateKey(source, key);
        if (valueLocation) positions.values.set(key, valueLocation);
        if (keyLocation) positions.keys.set(key, keyLocation);
      }
    }
  }

  /** What an `!unsafe` scalar or a date and time is, directly or through an alias. */
  private mark(node: YamlNode | null | undefined): ValueMark | undefined {
    const target = node && isAlias(node) ? (node.resolve(this.doc) as YamlNode | undefined) : node;
    if (!isScalar(target)) return undefined;
    if (target.value instanceof UnsafeText) return 'unsafe';
    return target.value instanceof YamlDateTime ? 'datetime' : undefined;
  }

  private register(container: object, node: YamlNode): Positions {
    const positions: Positions = { self: this.start(node), values: new Map(), keys: new Map() };
    registry.set(container, positions);
    return positions;
  }
}

/** Longest string value of an input file (a 20 MB server_name is a mistake, not a name). */
export const MAX_STRING_LENGTH = 65_536;
const MAX_KEY_LENGTH = 1_024;

function refusedKey(key: string): string | undefined {
  // JavaScript reads it as the object's prototype, not as a value: never a name of ours
  if (key === '__proto__') return "a key named '__proto__' is not allowed";
  if (key.length > MAX_KEY_LENGTH) return `a key of ${key.length} characters: at most ${MAX_KEY_LENGTH} are allowed`;
  return undefined;
}

// defineProperty so that a key named "__proto__" is stored as data, not as the prototype; every other
// key is assigned, the same own data property made several times faster (no other key of a plain
// object has a setter or a read-only property on its prototype).
function define(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/**
 * Parsed YAML as JSON-able data, positions included, for the parse cache (src/input/yaml-cache.ts):
 * a container is `{a: [...]}` or `{o: [[key, value], ...]}` with `p`, its positions as
 * [line, col] in `file` (`s` itself, `v` its values', `k` its keys', `m` its marks). Undefined when
 * the value cannot come back the same from JSON: a container reached twice (an alias: one object,
 * not two copies), a number JSON has not (.inf, .nan), a position in another file.
 */
export function toCacheable(value: unknown, file: string): unknown {
  const seen = new Set<object>();
  const fail = new Error('not cacheable');
  const place = (location: SourceLocation | undefined): [number, number] | 0 => {
    if (!location) return 0;
    if (location.file !== file) throw fail;
    return [location.line, location.col];
  };
  const encode = (item: unknown): unknown => {
    if (item === null || typeof item === 'string' || typeof item === 'boolean') return item;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw fail;
      return item;
    }
    if (typeof item !== 'object' || seen.has(item)) throw fail;
    seen.add(item);
    const positions = registry.get(item);
    const p = positions && {
      s: place(positions.self),
      v: [...positions.values].map(([key, location]) => [key, place(location)]),
      k: [...positions.keys].map(([key, location]) => [key, place(location)]),
      ...(positions.marks ? { m: [...positions.marks] } : {}),
    };
    if (Array.isArray(item)) return { a: item.map(encode), ...(p ? { p } : {}) };
    if (Object.getPrototypeOf(item) !== Object.prototype) throw fail;
    return { o: Object.entries(item).map(([key, entry]) => [key, encode(entry)]), ...(p ? { p } : {}) };
  };
  try {
    return encode(value);
  } catch (error) {
    if (error === fail) return undefined;
    throw error;
  }
}

type CachedPlace = [number, number] | 0;
interface CachedPositions {
  s: CachedPlace;
  v: Array<[string | number, CachedPlace]>;
  k: Array<[string, CachedPlace]>;
  m?: Array<[string | number, ValueMark]>;
}

/** The value toCacheable() encoded, with its positions registered again. */
export function fromCacheable(data: unknown, file: string): unknown {
  const location = (place: CachedPlace): SourceLocation | undefined => (place === 0 ? undefined : { file, line: place[0], col: place[1] });
  const decode = (item: unknown): unknown => {
    if (item === null || typeof item !== 'object') return item;
    const node = item as { a?: unknown[]; o?: Array<[string, unknown]>; p?: CachedPositions };
    let container: object;
    if (node.a) {
      container = node.a.map(decode);
    } else {
      const object: Record<string, unknown> = {};
      for (const [key, entry] of node.o ?? []) define(object, key, decode(entry));
      container = object;
    }
    if (node.p) {
      const positions: Positions = { values: new Map(), keys: new Map() };
      const self = location(node.p.s);
      if (self) positions.self = self;
      for (const [key, place] of node.p.v) {
        const at = location(place);
        if (at) positions.values.set(key, at);
      }
      for (const [key, place] of node.p.k) {
        const at = location(place);
        if (at) positions.keys.set(key, at);
      }
      if (node.p.m) positions.marks = new Map(node.p.m);
      registry.set(container, positions);
    }
    return container;
  };
  return decode(data);
}
