import { escapeInvisible } from './escape-invisible.js';

export const SECRET_MASK = '********';

/**
 * Secrets shorter than this (GitLab's minimum for a masked variable) are masked only where they do
 * not continue a word: a password `ab` must not turn every `about` and `tab` into `********`.
 */
export const WHOLE_WORD_BELOW = 8;

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
        .map(secretPattern)
        .join('|'),
      'gu',
    );
    return text.replace(this.pattern, SECRET_MASK);
  }
}

const WORD_CHARACTER = /[\p{L}\p{N}_]/u;

/**
 * The value taken literally; a short one only where it does not continue a word: no letter, digit
 * or `_` just before it when it starts with one, nor just after it when it ends with one.
 */
function secretPattern(value: string): string {
  const literal = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const characters = [...value];
  if (characters.length >= WHOLE_WORD_BELOW) return literal;
  const before = WORD_CHARACTER.test(characters[0]!) ? '(?<![\\p{L}\\p{N}_])' : '';
  const after = WORD_CHARACTER.test(characters.at(-1)!) ? '(?![\\p{L}\\p{N}_])' : '';
  return `${before}${literal}${after}`;
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
