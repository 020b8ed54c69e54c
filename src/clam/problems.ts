import type { z } from 'zod';
import { byLocation, InputError, throwIfAny, type SourceLocation } from '../core/errors.js';
import { escapeInvisible } from '../core/escape-invisible.js';
import { isSecretName, SECRET_MASK } from '../core/secrets.js';
import { didYouMean } from '../input/suggest.js';
import { locateKey, locatePath } from '../input/yaml-source.js';
import type { SchemaHost } from '../playbook/vars-schemas.js';
import { ACME_KEYS, AUTH_KEYS, SERVICE_KEYS, TLS_KEYS } from './schema.js';

/** Collects errors with positions, translating zod issues into sentences a newcomer understands. */
export class Problems {
  private readonly errors: InputError[] = [];

  constructor(
    private readonly vars: Record<string, unknown>,
    private readonly host: SchemaHost,
  ) {}

  /** How many problems there are so far. */
  get count(): number {
    return this.errors.length;
  }

  add(message: string, location: SourceLocation | undefined): void {
    this.errors.push(new InputError(`host '${this.host.name}': ${message}`, location ?? this.host.location));
  }

  throwIfAny(): void {
    throwIfAny(this.errors.sort(byLocation));
  }

  fromIssue(issue: z.core.$ZodIssue): void {
    const where = this.label(issue.path);
    const given = (issue as { input?: unknown }).input;
    const input = given !== undefined && this.holdsSecret(issue.path) ? SECRET_MASK : given;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const container = valueAt(this.vars, issue.path);
        const known = KNOWN_KEYS[String(issue.path.at(-1))] ?? [...SERVICE_KEYS];
        for (const key of issue.keys) {
          const location = typeof container === 'object' && container !== null ? locateKey(container, key) : undefined;
          this.add(`${where}: unknown key '${key}'${didYouMean(key, known)}; known keys: ${known.join(', ')}`, location ?? locatePath(this.vars, issue.path));
        }
        return;
      }
      case 'invalid_type': {
        const location = locatePath(this.vars, issue.path);
        if (input === undefined) {
          const missing = String(issue.path.at(-1));
          const near = issue.path.length === 1 ? didYouMean(missing, Object.keys(this.vars)) : '';
          const what = issue.path.length === 1 ? missing === 'services' ? "'services' is required: the list of webservices to deploy on this host" : `'${missing}' is required` : `${where} is required`;
          this.add(`${what}${near}`, issue.path.length === 1 ? this.host.location : locatePath(this.vars, issue.path.slice(0, -1)));
          return;
        }
        this.add(`${where} must be ${article(issue.expected)}, not ${describe(input)}`, location);
        return;
      }
      case 'invalid_value':
        this.add(`${where} must be one of ${issue.values.map(String).join(', ')}, not ${describe(input)}${typeof input === 'string' ? didYouMean(input, issue.values.map(String)) : ''}`, locatePath(this.vars, issue.path));
        return;
      case 'too_small':
      case 'too_big':
        if (issue.origin === 'number' || issue.origin === 'int') {
          const isPort = /port$/.test(String(issue.path.at(-1)));
          const range = isPort ? 'a port number from 1 to 65535' : issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
          this.add(`${where} must be ${range}, not ${describe(input)}`, locatePath(this.vars, issue.path));
        } else this.add(issue.message.startsWith('Too') ? `${where} is ${issue.code === 'too_small' ? 'empty' : 'too long'}` : `${where} ${issue.message}`, locatePath(this.vars, issue.path));
        return;
      case 'invalid_key': {
        const key = issue.path.at(-1);
        const container = valueAt(this.vars, issue.path.slice(0, -1));
        const location = typeof container === 'object' && container !== null && typeof key === 'string' ? locateKey(container, key) : undefined;
        this.add(`${this.label(issue.path.slice(0, -1))}: '${String(key)}' ${issue.issues[0]?.message ?? 'is not a valid key'}`, location ?? locatePath(this.vars, issue.path));
        return;
      }
      default: {
        // Custom messages of the schema read "must …", after the name of the value.
        const got = input !== undefined && typeof input !== 'object' ? `, not ${describe(input)}` : '';
        this.add(`${where} ${issue.message}${got}`, locatePath(this.vars, issue.path));
      }
    }
  }

  /** A value under a secret-named key, an env key its service lists in `secrets`, or a password of `auth`: never quoted back. */
  private holdsSecret(issuePath: readonly PropertyKey[]): boolean {
    if (issuePath.some((key) => typeof key === 'string' && isSecretName(key))) return true;
    const users = issuePath.indexOf('users');
    if (users > 0 && issuePath[users - 1] === 'auth' && issuePath.length > users + 1) return true;
    if (issuePath[0] !== 'services' || typeof issuePath[1] !== 'number' || issuePath[2] !== 'env') return false;
    const listed = ((this.vars.services as unknown[])[issuePath[1]] as { secrets?: unknown } | undefined)?.secrets;
    return Array.isArray(listed) && listed.includes(issuePath[3]);
  }

  /** `http_port`, `service 'x': uwsgi_port`, `services[2].env.FOO` … */
  private label(issuePath: readonly PropertyKey[]): string {
    if (issuePath[0] === 'services' && typeof issuePath[1] === 'number') {
      const service = (this.vars.services as unknown[])[issuePath[1]] as Record<string, unknown> | undefined;
      const name = typeof service?.name === 'string' ? `service '${service.name}'` : `services[${issuePath[1]}]`;
      const rest = formatPath(issuePath.slice(2));
      return rest ? `${name}: ${rest}` : name;
    }
    return formatPath(issuePath) || 'variables';
  }
}

/** The keys of the mappings inside the variables, for a misspelt one (a service's by default). */
const KNOWN_KEYS: Record<string, readonly string[]> = { tls: TLS_KEYS, acme: ACME_KEYS, static: ['url', 'dir'], auth: AUTH_KEYS };

function formatPath(issuePath: readonly PropertyKey[]): string {
  return issuePath.map((step, i) => (typeof step === 'number' ? `[${step}]` : `${i === 0 ? '' : '.'}${String(step)}`)).join('');
}

function valueAt(root: unknown, issuePath: readonly PropertyKey[]): unknown {
  let current = root;
  for (const step of issuePath) current = (current as Record<PropertyKey, unknown> | undefined)?.[step];
  return current;
}

function article(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a mapping';
  if (expected === 'array') return 'a list';
  if (expected === 'int' || expected === 'number') return 'a number';
  if (expected === 'boolean') return 'true or false';
  return `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${escapeInvisible(value)}'`;
  return String(value);
}
