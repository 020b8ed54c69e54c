import { InputError, type SourceLocation } from '../core/errors.js';
import { isSecretName, secrets } from '../core/secrets.js';
import { cloneLocated, isUnsafeValue, locate, registerLocation } from '../input/yaml-source.js';
import type { Vars } from './model.js';
import { EMBEDDED_EXPRESSION, WHOLE_EXPRESSION } from '../core/expression-syntax.js';

/**
 * `{{ … }}` in inventory values, the forms Ansible users write in inventories: `{{ other_var }}` (a
 * variable of the same host, itself resolved), `{{ inventory_hostname }}`, `{{ inventory_hostname_short }}`
 * and `{{ lookup('env', 'NAME') }}`. A value that is one such expression keeps the type of what it
 * names; inside text it is joined in. Anything else (filters, tests, `{% %}`, other lookups) is an
 * error at its value, never taken literally; a value tagged `!unsafe` is taken literally. Returns the
 * host's variables with every template resolved (`vars` itself when none has a template); the
 * inventory's objects are not changed (group variables are shared by hosts).
 */
export function resolveTemplates(host: string, vars: Vars, env: NodeJS.ProcessEnv, errors: InputError[]): Vars {
  return new HostTemplates(host, vars, env, errors).resolveAll();
}

const VARIABLE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const ENV_LOOKUP = /^\s*lookup\s*\(\s*(['"])env\1\s*,\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\2\s*\)\s*$/;

class ResolveError extends Error {}

class HostTemplates {
  private readonly resolved = new Map<string, unknown>();
  private readonly resolving: string[] = [];

  constructor(
    private readonly host: string,
    private readonly vars: Vars,
    private readonly env: NodeJS.ProcessEnv,
    private readonly errors: InputError[],
  ) {}

  resolveAll(): Vars {
    let result: Vars | undefined;
    for (const name of Object.keys(this.vars)) {
      const value = this.variable(name);
      if (value === this.vars[name]) continue;
      result ??= cloneLocated(this.vars);
      Object.defineProperty(result, name, { value, writable: true, enumerable: true, configurable: true });
    }
    // without a template the host's merged variables are its result: a copy of each was most of a 100,000-host load
    return result ?? this.vars;
  }

  private variable(name: string): unknown {
    if (this.resolved.has(name)) return this.resolved.get(name);
    if (this.resolving.includes(name)) throw new ResolveError(`'${name}' refers to itself: ${[...this.resolving, name].join(' -> ')}`);
    this.resolving.push(name);
    const value = this.value(this.vars[name], this.vars, name, name);
    this.resolving.pop();
    this.resolved.set(name, value);
    return value;
  }

  /** The value with its templates resolved; containers are copied only where something changed. */
  private value(value: unknown, container: object, key: string | number, top: string): unknown {
    if (typeof value === 'string') return isUnsafeValue(container, key) ? value : this.text(value, top, locate(container, key));
    if (typeof value !== 'object' || value === null) return value;
    let copy: Record<string | number, unknown> | undefined;
    for (const [childKey, child] of Object.entries(value)) {
      const index = Array.isArray(value) ? Number(childKey) : childKey;
      const resolved = this.value(child, value, index, top);
      if (resolved === child) continue;
      copy ??= cloneLocated(value as Record<string | number, unknown>);
      Object.defineProperty(copy, index, { value: resolved, writable: true, enumerable: true, configurable: true });
      registerLocation(copy, index, locate(value, index));
    }
    return copy ?? value;
  }

  private text(text: string, top: string, location: SourceLocation | undefined): unknown {
    if (!/\{\{|\{%|\{#/.test(text)) return text;
    try {
      if (/\{%|\{#/.test(text)) throw new ResolveError(`${top}: Jinja statements and comments ({% … %}, {# … #}) are not supported in an inventory`);
      const whole = WHOLE_EXPRESSION.exec(text);
      if (whole) return this.expression(whole[1]!, top);
      return text.replace(EMBEDDED_EXPRESSION, (_match, expression: string) => {
        const value = this.expression(expression, top);
        return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? '');
      });
    } catch (error) {
      if (!(error instanceof ResolveError)) throw error;
      // reported once, where the template is written; the text stays (the run stops at the errors)
      this.errors.push(new InputError(error.message, location ?? locate(this.vars, top)));
      return text;
    }
  }

  private expression(expression: string, top: string): unknown {
    const variable = VARIABLE.exec(expression)?.[1];
    if (variable === 'inventory_hostname') return this.host;
    if (variable === 'inventory_hostname_short') return this.host.split('.')[0];
    if (variable !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(this.vars, variable)) throw new ResolveError(`${top}: '{{ ${variable} }}' names no variable of this host`);
      return this.variable(variable);
    }
    const lookup = ENV_LOOKUP.exec(expression);
    if (lookup) {
      const name = lookup[3]!;
      const value = this.env[name];
      if (value === undefined) throw new ResolveError(`${top}: environment variable ${name} is not set (read by lookup('env', '${name}'))`);
      if (isSecretName(name) || isSecretName(top)) secrets.add(value);
      return value;
    }
    throw new ResolveError(
      `${top}: '{{${expression}}}' is not supported in an inventory: only {{ variable }}, {{ inventory_hostname }} and {{ lookup('env', 'NAME') }} are resolved`,
    );
  }
}
