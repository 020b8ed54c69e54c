import { escapeInvisible } from './escape-invisible.js';

export const SECRET_MASK = '********';

/** Secret values known to this run; every output path passes its text through `mask`. */
export class SecretRegistry {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** The value and the forms it is written in: output shows files and JSON, where it appears escaped. */
  add(value: string): void {
    // An empty string would mask nothing useful and match everywhere.
    if (value === '') return;
    for (const form of renderedForms(value)) {
      if (this.values.has(form)) continue;
      this.values.add(form);
      this.pattern = undefined;
    }
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.values.size === 0) return text;
    // Longest first, so a secret that contains another is masked whole.
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, SECRET_MASK);
  }
}

/**
 * A value as written into an env file (`\` and `"` escaped), a JSON or Python string (app.wsgi,
 * --json), a single-quoted shell word, and as an error message quotes an invalid value (control
 * characters escaped by escapeInvisible, as messages show values).
 */
function renderedForms(value: string): string[] {
  return [
    value,
    value.replace(/[\\"]/g, '\\$&'),
    JSON.stringify(value).slice(1, -1),
    value.replace(/'/g, `'\\''`),
    escapeInvisible(value),
  ];
}

export const secrets = new SecretRegistry();

/** Variables whose names say they hold a secret (SPEC: PASSWORD, SECRET, TOKEN or KEY). */
export function isSecretName(name: string): boolean {
  return /PASSWORD|SECRET|TOKEN|KEY/i.test(name);
}

/**
 * A line of a file that assigns a secret-named key (`SECRET_KEY="…"`, `env = API_TOKEN=…`,
 * `"password": …`, `SetEnv DB_PASSWORD …`) with everything after the assignment hidden; other lines
 * as they are. Such a value is hidden whether or not this run knows it as a secret: it may be an old
 * one read from the host, or one not listed in `secrets`.
 */
export function maskSecretAssignment(line: string): string {
  const assignment = /([A-Za-z_][A-Za-z0-9_.-]*)["']?(\s*[=:]\s*["']?|\s+(?=\S))/g;
  const setEnv = /^\s*(?:SetEnv|PassEnv|Environment)\s/i.test(line);
  for (let found = assignment.exec(line); found; found = assignment.exec(line)) {
    const separator = found[2]!;
    if (!/[=:]/.test(separator) && !setEnv) continue;
    if (isSecretName(found[1]!)) return `${line.slice(0, found.index + found[0].length)}${SECRET_MASK}`;
  }
  return line;
}
