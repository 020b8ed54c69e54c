import { checkListLength, checkMade, checkString, checkStringLength, measure, SandboxError } from './limits.js';

/**
 * What an expression may call besides its own arrow functions: methods that neither change their
 * receiver nor hand out anything but data, each checked against the size bounds before it runs
 * when its result could be large. Every function here is ours or a pure native one from Math.
 */
type Method = (receiver: never, args: unknown[]) => unknown;

const callable = new WeakSet<object>();

/** Functions an expression may call: its arrow functions and the globals below. */
export function markCallable<T extends object>(fn: T): T {
  callable.add(fn);
  return fn;
}

export function isCallable(value: unknown): value is (...args: unknown[]) => unknown {
  return typeof value === 'function' && callable.has(value);
}

function callback(value: unknown, method: string): (...args: unknown[]) => unknown {
  if (!isCallable(value)) throw new SandboxError(`${method} needs a function like (item) => …`);
  return value;
}

function count(value: unknown, what: string): number {
  const n = Number(value ?? 0);
  if (!Number.isFinite(n)) throw new SandboxError(`${what} must be a number`);
  return n;
}

const same =
  (name: string): Method =>
  (receiver, args) =>
    (receiver as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);

const withCallback =
  (name: string): Method =>
  (receiver, [fn, ...rest]) =>
    (receiver as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(callback(fn, name), ...rest);

function occurrences(text: string, pattern: string, all: boolean): number {
  if (!all) return text.includes(pattern) ? 1 : 0;
  return pattern === '' ? text.length + 1 : text.split(pattern).length - 1;
}

const replacing =
  (all: boolean): Method =>
  (receiver: string, [pattern, replacement]) => {
    if (typeof pattern !== 'string' || typeof replacement !== 'string') throw new SandboxError('replace takes two strings');
    // `$&` repeats the match: the bound counts it at its longest
    const each = replacement.includes('$') ? replacement.length * Math.max(1, pattern.length) : replacement.length;
    checkStringLength(receiver.length + occurrences(receiver, pattern, all) * each);
    return all ? receiver.replaceAll(pattern, replacement) : receiver.replace(pattern, replacement);
  };

const padding =
  (name: 'padStart' | 'padEnd'): Method =>
  (receiver: string, [length, fill]) => {
    checkStringLength(count(length, name));
    return receiver[name](count(length, name), fill === undefined ? undefined : String(fill));
  };

const STRING_METHODS: Record<string, Method> = {
  ...Object.fromEntries(
    ['at', 'charAt', 'charCodeAt', 'codePointAt', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'localeCompare', 'slice', 'startsWith', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart', 'toString'].map((name) => [name, same(name)]),
  ),
  split: (receiver: string, [separator, limit]) => {
    if (typeof separator !== 'string' && separator !== undefined) throw new SandboxError('split takes a string');
    if (separator === '') checkListLength(receiver.length);
    return receiver.split(separator as string, limit === undefined ? undefined : count(limit, 'split'));
  },
  concat: (receiver: string, args) => checkString(receiver.concat(...args.map(text))),
  repeat: (receiver: string, [times]) => {
    checkStringLength(receiver.length * count(times, 'repeat'));
    return receiver.repeat(count(times, 'repeat'));
  },
  padStart: padding('padStart'),
  padEnd: padding('padEnd'),
  replace: replacing(false),
  replaceAll: replacing(true),
};

function lists(args: unknown[]): number {
  return args.reduce<number>((sum, arg) => sum + (Array.isArray(arg) ? arg.length : 1), 0);
}

const ARRAY_METHODS: Record<string, Method> = {
  ...Object.fromEntries(['at', 'includes', 'indexOf', 'lastIndexOf', 'slice', 'toReversed'].map((name) => [name, same(name)])),
  ...Object.fromEntries(['every', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'map', 'reduce', 'reduceRight', 'some'].map((name) => [name, withCallback(name)])),
  concat: (receiver: unknown[], args) => {
    checkListLength(receiver.length + lists(args));
    return receiver.concat(...args);
  },
  flat: (receiver: unknown[], [depth]) => {
    if (depth !== undefined && depth !== 1) throw new SandboxError('flat flattens one level: call it again for more');
    checkListLength(lists(receiver));
    return receiver.flat();
  },
  flatMap: (receiver: unknown[], [fn]) => {
    const mapped = receiver.map(callback(fn, 'flatMap'));
    checkListLength(lists(mapped));
    return mapped.flat();
  },
  join: (receiver: unknown[], [separator]) => {
    const between = separator === undefined ? ',' : text(separator);
    measure(receiver);
    checkStringLength(between.length * receiver.length);
    return checkString(receiver.join(between));
  },
  toSorted: (receiver: unknown[], [fn]) => {
    if (fn === undefined) measure(receiver);
    return receiver.toSorted(fn === undefined ? undefined : (callback(fn, 'toSorted') as (a: unknown, b: unknown) => number));
  },
};

const NUMBER_METHODS: Record<string, Method> = {
  toFixed: (receiver: number, [digits]) => receiver.toFixed(Math.min(100, count(digits, 'toFixed'))),
  toString: (receiver: number, [radix]: unknown[]) => receiver.toString(radix === undefined ? undefined : count(radix, 'toString')),
};

/** The method `name` of `receiver`, or undefined when an expression may not call it. */
export function methodOf(receiver: unknown, name: string): ((args: unknown[]) => unknown) | undefined {
  const table = typeof receiver === 'string' ? STRING_METHODS : Array.isArray(receiver) ? ARRAY_METHODS : typeof receiver === 'number' ? NUMBER_METHODS : undefined;
  const method = table && Object.hasOwn(table, name) ? table[name] : undefined;
  return method && ((args) => checkMade(method(receiver as never, args)));
}

/** Any value as text, after checking that its text is not too large to make. */
export function text(value: unknown): string {
  if (typeof value === 'object' && value !== null) measure(value);
  return checkString(String(value));
}

const asText = markCallable((value?: unknown) => (value === undefined ? '' : text(value)));
const asNumber = markCallable((value?: unknown) => {
  if (typeof value === 'object' && value !== null) measure(value);
  return Number(value);
});
const asBoolean = markCallable((value?: unknown) => Boolean(value));

const pure = (fn: (...args: never[]) => unknown) => markCallable(fn);

/** The globals of the earlier `with`-based evaluation, each reduced to what is safe. */
export const GLOBALS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['undefined', undefined],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['String', asText],
  ['Number', asNumber],
  ['Boolean', asBoolean],
  ['JSON', {}],
  ['Math', {}],
  ['Array', {}],
  ['Object', {}],
]);

const MATH = ['abs', 'ceil', 'floor', 'max', 'min', 'round', 'sign', 'trunc', 'sqrt', 'pow', 'log', 'log10', 'log2', 'exp', 'hypot'] as const;

/** Members of the globals: `JSON.stringify`, `Math.max`, `Object.keys`, `Number.isInteger` … */
const MEMBERS = new Map<unknown, Record<string, unknown>>([
  [
    GLOBALS.get('JSON'),
    {
      stringify: pure((value: unknown, replacer?: unknown, indent?: unknown) => {
        if (replacer !== undefined && replacer !== null) throw new SandboxError('JSON.stringify takes no replacer here');
        measure(value);
        return JSON.stringify(value, null, indent === undefined ? undefined : typeof indent === 'number' ? Math.min(indent, 10) : String(indent).slice(0, 10));
      }),
      parse: pure((value: unknown) => JSON.parse(text(value)) as unknown),
    },
  ],
  [GLOBALS.get('Math'), { ...Object.fromEntries(MATH.map((name) => [name, pure(Math[name])])), PI: Math.PI, E: Math.E }],
  [GLOBALS.get('Array'), { isArray: pure((value: unknown) => Array.isArray(value)) }],
  [
    GLOBALS.get('Object'),
    {
      keys: pure((value: object) => Object.keys(value)),
      values: pure((value: object) => Object.values(value)),
      entries: pure((value: object) => Object.entries(value)),
      fromEntries: pure((value: Iterable<readonly [PropertyKey, unknown]>) => {
        if (!Array.isArray(value)) throw new SandboxError('Object.fromEntries takes a list of [key, value] pairs');
        return Object.fromEntries(value);
      }),
    },
  ],
  [
    asNumber,
    {
      isInteger: pure((value: unknown) => Number.isInteger(value)),
      isFinite: pure((value: unknown) => Number.isFinite(value)),
      parseInt: pure((value: unknown, radix?: unknown) => Number.parseInt(text(value), radix === undefined ? undefined : Number(radix))),
      parseFloat: pure((value: unknown) => Number.parseFloat(text(value))),
    },
  ],
]);

/** A member of a global, or undefined when `receiver` is not one. */
export function globalMember(receiver: unknown, name: string): { value: unknown } | undefined {
  const members = MEMBERS.get(receiver);
  if (!members) return undefined;
  return { value: Object.hasOwn(members, name) ? members[name] : undefined };
}
