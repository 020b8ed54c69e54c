import type { ScalarTag } from 'yaml';
import { InputError, type SourceLocation } from '../core/errors.js';
import { secrets } from '../core/secrets.js';
import { decryptVaultText, VaultDecryptError } from '../vault/vault-passwords.js';
import { isVaultText } from '../vault/vault-text.js';

/** The encrypted text of a `!vault |` value, until the builder decrypts it where its position is known. */
export class VaultCiphertext {
  constructor(readonly text: string) {}
}

export const VAULT_TAG: ScalarTag = {
  tag: '!vault',
  identify: (value) => value instanceof VaultCiphertext,
  resolve: (text) => new VaultCiphertext(text),
};

/** The decrypted string of a `!vault` value; a failure is an input error at the value (null meanwhile). */
export function decryptVaultValue(value: VaultCiphertext, location: SourceLocation | undefined, errors: InputError[]): string | null {
  try {
    return decryptVaultText(value.text);
  } catch (error) {
    if (!(error instanceof VaultDecryptError)) throw error;
    errors.push(new InputError(error.message, location));
    return null;
  }
}

/**
 * A file encrypted whole with `ansible-vault encrypt` is decrypted, then parsed. Every string value in
 * it is registered as a secret: the file was encrypted because something in it is.
 */
export function decryptVaultFile(text: string, file: string, parse: (text: string, file: string) => unknown): unknown {
  if (!isVaultText(text)) return parse(text, file);
  let plaintext: string;
  try {
    plaintext = decryptVaultText(text);
  } catch (error) {
    if (error instanceof VaultDecryptError) throw new InputError(error.message, { file, line: 1, col: 1 });
    throw error;
  }
  const value = parse(plaintext, file);
  registerStrings(value, new Set());
  return value;
}

function registerStrings(value: unknown, seen: Set<object>): void {
  if (typeof value === 'string') secrets.add(value);
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  for (const item of Object.values(value)) registerStrings(item, seen);
}
