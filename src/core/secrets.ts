export const SECRET_MASK = '********';

/** Secret values known to this run; every output path passes its text through `mask`. */
export class SecretRegistry {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string): void {
    // An empty string would mask nothing useful and match everywhere.
    if (value === '' || this.values.has(value)) return;
    this.values.add(value);
    this.pattern = undefined;
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

export const secrets = new SecretRegistry();

/** Variables whose names say they hold a secret (SPEC: PASSWORD, SECRET, TOKEN or KEY). */
export function isSecretName(name: string): boolean {
  return /PASSWORD|SECRET|TOKEN|KEY/i.test(name);
}
