/**
 * Bounds on what one `{{ }}` expression may do. Steps count evaluated nodes (callbacks too); the
 * sizes bound every string and list an expression makes, so no native call it reaches can run long.
 */
export const LIMITS = {
  sourceLength: 20_000,
  steps: 1_000_000,
  milliseconds: 2_000,
  stringLength: 1_000_000,
  listLength: 100_000,
} as const;

/** An expression that is refused or fails: the message is for the user, without a stack. */
export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxError';
  }
}

/** Names that reach prototypes or constructors: refused as variables, properties and keys. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  'constructor',
  'prototype',
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

export function refuseName(name: string): void {
  if (FORBIDDEN_NAMES.has(name)) throw new SandboxError(`'${name}' is not available in expressions`);
}

export function checkStringLength(length: number): void {
  if (length > LIMITS.stringLength) throw new SandboxError(`a string longer than ${LIMITS.stringLength} characters`);
}

export function checkString(value: string): string {
  checkStringLength(value.length);
  return value;
}

export function checkListLength(length: number): void {
  if (length > LIMITS.listLength) throw new SandboxError(`a list longer than ${LIMITS.listLength} items`);
}

/** Shallow: what was just made is within the bounds (its parts were checked when they were made). */
export function checkMade<T>(value: T): T {
  if (typeof value === 'string') checkString(value);
  else if (Array.isArray(value)) checkListLength(value.length);
  return value;
}

/**
 * Deep, before something walks a whole value (JSON.stringify, turning a list into text): the
 * value's size counting shared parts each time they appear, given up at the bound, so this walk
 * is bounded too. Functions are not data.
 */
export function measure(value: unknown): void {
  let budget = LIMITS.stringLength;
  const walk = (item: unknown): void => {
    budget -= 1;
    if (typeof item === 'string') budget -= item.length;
    if (budget < 0) throw new SandboxError(`a value larger than ${LIMITS.stringLength} characters as text`);
    if (typeof item === 'function') throw new SandboxError('a function is not a value: call it');
    if (item === null || typeof item !== 'object') return;
    for (const part of Array.isArray(item) ? item : Object.values(item)) walk(part);
  };
  walk(value);
}
