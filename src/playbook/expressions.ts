/**
 * Values in playbooks may use variables: "{{ expr }}" where expr is a JavaScript expression over the host's
 * variables (Ansible users write the same thing for simple cases: `item.name`, `webserver == 'nginx'`).
 * A name that is not a variable is an error, never silently empty.
 */
export type Scope = Record<string, unknown>;

const WHOLE_EXPRESSION = /^\s*\{\{(.+?)\}\}\s*$/s;
const EMBEDDED_EXPRESSION = /\{\{(.+?)\}\}/gs;

/** Globals an expression may use besides the variables. */
const ALLOWED_GLOBALS = new Set(['JSON', 'Math', 'String', 'Number', 'Boolean', 'Array', 'Object', 'undefined', 'NaN', 'Infinity']);

const compiled = new Map<string, (scope: Scope) => unknown>();

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

function compile(expression: string): (scope: Scope) => unknown {
  let fn = compiled.get(expression);
  if (!fn) {
    let body: (scope: object) => unknown;
    try {
      // `with` over a Proxy makes every free name a variable lookup that fails loudly when undefined.
      body = new Function('__scope', `with (__scope) { return (${expression}\n); }`) as (scope: object) => unknown;
    } catch (error) {
      throw new ExpressionError(expression, `invalid expression "${expression.trim()}": ${(error as Error).message}`);
    }
    fn = (scope: Scope) => {
      const proxy = new Proxy(scope, {
        has: (_target, key) => typeof key === 'string' && !ALLOWED_GLOBALS.has(key),
        get: (target, key) => {
          if (key === Symbol.unscopables) return undefined;
          if (typeof key === 'string' && !(key in target)) throw new ExpressionError(expression, `'${key}' is not defined`);
          return target[key as string];
        },
      });
      return body(proxy);
    };
    compiled.set(expression, fn);
  }
  return fn;
}

export function evaluate(expression: string, scope: Scope): unknown {
  try {
    return compile(expression)(scope);
  } catch (error) {
    if (error instanceof ExpressionError || error instanceof FactsNotReadYet) throw error;
    throw new ExpressionError(expression, `in "${expression.trim()}": ${(error as Error).message}`);
  }
}

export function hasExpression(value: string): boolean {
  return value.includes('{{');
}

/** Renders "{{ }}" in a string; a string that is exactly one expression keeps the expression's type. */
export function renderString(value: string, scope: Scope): unknown {
  if (!hasExpression(value)) return value;
  const whole = WHOLE_EXPRESSION.exec(value);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, scope);
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
  const whole = WHOLE_EXPRESSION.exec(text);
  return Boolean(evaluate(whole ? whole[1]! : text, scope));
}


/** Stands in for `facts` before they are read: any use of it means the condition depends on the host. */
const UNREAD_FACTS: object = new Proxy(
  {},
  {
    get: () => {
      throw new FactsNotReadYet();
    },
    has: () => {
      throw new FactsNotReadYet();
    },
    ownKeys: () => {
      throw new FactsNotReadYet();
    },
    getOwnPropertyDescriptor: () => {
      throw new FactsNotReadYet();
    },
  },
);

/**
 * What a `when` says before the host's facts are read: 'false' or 'true' when it does not depend on them
 * (e.g. `webserver == 'apache-wsgi'`), 'unknown' when it reads `facts`. Other errors (an undefined
 * variable) are thrown: they are mistakes in the input.
 */
export function conditionBeforeFacts(condition: unknown, scope: Scope): 'true' | 'false' | 'unknown' {
  try {
    return evaluateCondition(condition, { ...scope, facts: UNREAD_FACTS }) ? 'true' : 'false';
  } catch (error) {
    if (error instanceof FactsNotReadYet) return 'unknown';
    throw error;
  }
}
