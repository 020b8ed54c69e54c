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
  type Document,
  type Node as YamlNode,
  type YAMLError,
} from 'yaml';
import { InputError, throwIfAny, type SourceLocation } from '../core/errors.js';
import { readInputText } from './read-text.js';

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
      merged[key] = value;
      const location = locate(layer, key);
      if (location) registerLocation(merged, key, location);
      else registry.get(merged)?.values.delete(key);
    }
  }
  return merged;
}

export function loadYamlFile(file: string): unknown {
  return parseYamlText(readInputText(file), file);
}

export function parseYamlText(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: true, prettyErrors: false });
  const at = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });

  const errors = doc.errors.map((error) => syntaxError(error, text, at, doc));
  // An unknown tag would silently leave its raw text as the value (an encrypted password, say).
  for (const warning of doc.warnings) {
    if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
    const tag = text.slice(warning.pos[0], warning.pos[1]);
    const message =
      tag === '!vault'
        ? 'Ansible Vault values (!vault) are not supported: put the secret in an environment variable and write "${NAME}"'
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
    case 'DUPLICATE_KEY': {
      const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(start, text.includes('\n', start) ? text.indexOf('\n', start) : text.length))![1]!.trim();
      return new InputError(`duplicate key '${key}': a key may appear only once in a mapping`, location);
    }
    case 'MULTIPLE_DOCS':
      return new InputError('the file holds more than one YAML document (a second "---"); keep everything in one', location);
    case 'TAB_AS_INDENT':
      return new InputError('YAML syntax error: tabs are not allowed for indentation, use spaces', location);
    default:
      return new InputError(`YAML syntax error: ${error.message}`, location);
  }
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
        const valueLocation = locate(source, key);
        const keyLocation = locateKey(source, key);
        if (valueLocation) positions.values.set(key, valueLocation);
        if (keyLocation) positions.keys.set(key, keyLocation);
      }
    }
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

// defineProperty so that a key named "__proto__" is stored as data, not as the prototype.
function define(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}
