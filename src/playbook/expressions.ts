import type { Expression } from 'acorn';
import { Evaluation } from './sandbox/evaluate.js';
import { SandboxError } from './sandbox/limits.js';
import { parseSandboxed } from './sandbox/parse.js';
import { EMBEDDED_EXPRESSION, WHOLE_EXPRESSION } from '../core/expression-syntax.js';

/**
 * Values in playbooks may use variables: "{{ expr }}" where expr is a JavaScript expression over the host's
 * variables (Ansible users write the same thing for simple cases: `item.name`, `webserver == 'nginx'`).
 * A name that is not a variable is an error, never silently empty.
 *
 * Sandboxed, as a playbook given with --playbook is input like any other (issue 14, defect 5): the
 * expression is parsed by acorn, refused unless it holds only data, operators and arrow functions,
 * and evaluated by our own tree walker (sandbox/), which reaches only the variables, own properties
 * of data and an allowlist of methods that change nothing, never a prototype, constructor or global,
 * and stops past a bound on steps, time and size. Not `new Function` or node:vm: both run the
 * expression in a realm whose constructors lead back to Function.
 */
export type Scope = Record<string, unknown>;

const parsed = new Map<string, Expression>();

/** Thrown when a condition reads `facts` before they are gathered. */
class FactsNotReadYet extends Error {}

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

function parse(expression: string): Expression {
  let tree = parsed.get(expression);
  if (!tree) {
    try {
      tree = parseSandboxed(expression);
    } catch (error) {
      throw new ExpressionError(expression, `invalid expression "${shorten(expression.trim())}": ${(error as Error).message}`);
    }
    parsed.set(expression, tree);
  }
  return tree;
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export function evaluate(expression: string, scope: Scope): unknown {
  const tree = parse(expression);
  try {
    return new Evaluation(scope).run(tree);
  } catch (error) {
    if (error instanceof FactsNotReadYet) throw error;
    // A name that is not a variable reads as before: "'x' is not defined".
    if (error instanceof SandboxError && / is not defined$/.test(error.message)) throw new ExpressionError(expression, error.message);
    // RangeError included: a recursion of arrow functions that overflows the stack
    throw new ExpressionError(expression, `in "${shorten(expression.trim())}": ${(error as Error).message}`);
  }
}

export function hasExpression(value: string): boolean {
  return value.includes('{{');
}

/** Renders "{{ }}" in a string; a string that is exactly one expression keeps the expression's type. */
export function renderString(value: string, scope: Scope): unknown {
  if (!hasExpression(value)) return value;
  const whole = WHOLE_EXPRESSION.exec(value);
  if (whole) return evaluate(whole[1]!, scope);
  return value.replace(EMBEDDED_EXPRESSION, (_match, expression: string) => {
    const result = evaluate(expression, scope);
    return result === null || result === undefined ? '' : typeof result === 'object' ? JSON.stringify(result) : String(result);
  });
}

/** Renders every string inside a value (objects and arrays are copied, not changed). */
export function renderValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)]));
  }
  return value;
}

/** A `when` condition: a bare expression (or "{{ expr }}"), a boolean, or a list that must all hold. */
export function evaluateCondition(condition: unknown, scope: Scope): boolean {
  if (condition === undefined || condition === null) return true;
  if (typeof condition === 'boolean') return condition;
  if (Array.isArray(condition)) return condition.every((c) => evaluateCondition(c, scope));
  const text = String(condition);
  const whole = WHOLE_EXPRESSION.exec(text.trim());
  return Boolean(evaluate(whole ? whole[1]! : text, scope));
}


/** One instance, thrown on every host: creating an Error records a stack, which no one reads here. */
const FACTS_NOT_READ_YET = new FactsNotReadYet();

/**
 * `facts` of which only the properties named are read: any use of another means the condition
 * depends on what was not read.
 */
function partlyReadFacts(facts: object, readable: ReadonlySet<PropertyKey>): object {
  const check = (key: PropertyKey) => {
    if (!readable.has(key)) throw FACTS_NOT_READ_YET;
  };
  return new Proxy(facts, {
    get: (target, key) => (check(key), Reflect.get(target, key)),
    has: (target, key) => (check(key), Reflect.has(target, key)),
    ownKeys: () => {
      throw FACTS_NOT_READ_YET;
    },
    getOwnPropertyDescriptor: (target, key) => (check(key), Reflect.getOwnPropertyDescriptor(target, key)),
  });
}

/** Stands in for `facts` before they are read: any use of it means the condition depends on the host. */
const UNREAD_FACTS: object = partlyReadFacts({}, new Set());

/** Whether a condition may read `facts` (a variable is reached only by its name, so one without the word cannot). */
function mayReadFacts(condition: unknown): boolean {
  return typeof condition === 'string' ? condition.includes('facts') : Array.isArray(condition) && condition.some(mayReadFacts);
}

/**
 * What a `when` says before the host's facts are read: 'false' or 'true' when it does not depend on them
 * (e.g. `webserver == 'apache-wsgi'`), 'unknown' when it reads `facts`. Other errors (an undefined
 * variable) are thrown: they are mistakes in the input.
 */
export function conditionBeforeFacts(condition: unknown, scope: Scope): 'true' | 'false' | 'unknown' {
  try {
    // the copy of the scope is made only for the conditions that need it: one per task and host
    return evaluateCondition(condition, mayReadFacts(condition) ? { ...scope, facts: UNREAD_FACTS } : scope) ? 'true' : 'false';
  } catch (error) {
    if (error instanceof FactsNotReadYet) return 'unknown';
    throw error;
  }
}

/**
 * A `when` on facts of which only some properties were read (`readable`): 'unknown' when it reads
 * another one.
 */
export function conditionOnPartOfFacts(condition: unknown, scope: Scope, facts: object, readable: ReadonlySet<PropertyKey>): boolean | 'unknown' {
  try {
    return evaluateCondition(condition, mayReadFacts(condition) ? { ...scope, facts: partlyReadFacts(facts, readable) } : { ...scope, facts });
  } catch (error) {
    if (error instanceof FactsNotReadYet) return 'unknown';
    throw error;
  }
}
