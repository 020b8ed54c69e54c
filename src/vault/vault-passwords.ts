import { secrets } from '../core/secrets.js';
import { decryptVault, parseVaultText, VaultFormatError } from './vault-text.js';

export interface VaultPassword {
  /** the vault id it was given for (`default` without one), as ansible-vault's --vault-id */
  id: string;
  password: Buffer;
  /** where it came from, for messages: a file name or "the prompt" */
  source: string;
}

/**
 * The vault passwords of this run, set once by the CLI before any input is read; like the secrets
 * registry, a process-wide list, so every reader of YAML decrypts with the same passwords.
 */
const passwords: VaultPassword[] = [];

export function setVaultPasswords(given: readonly VaultPassword[]): void {
  passwords.splice(0, passwords.length, ...given);
  for (const { password } of given) secrets.add(password.toString('utf8'));
}

/** Why vault text cannot be decrypted: the message names what to do, never the text or a password. */
export class VaultDecryptError extends Error {}

/**
 * Decrypts Ansible Vault text with the run's passwords, the one of the envelope's vault id first (as
 * Ansible tries them), and registers the plaintext as a secret.
 */
export function decryptVaultText(text: string): string {
  let envelope;
  try {
    envelope = parseVaultText(text);
  } catch (error) {
    if (error instanceof VaultFormatError) throw new VaultDecryptError(error.message);
    throw error;
  }
  if (passwords.length === 0) {
    throw new VaultDecryptError(
      'this is encrypted with Ansible Vault and no vault password was given: use --vault-password-file FILE, --ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE',
    );
  }
  const ordered = [...passwords.filter((p) => p.id === envelope.id), ...passwords.filter((p) => p.id !== envelope.id)];
  for (const { password } of ordered) {
    const plaintext = decryptVault(envelope, password);
    if (plaintext === undefined) continue;
    const value = plaintext.toString('utf8');
    secrets.add(value);
    return value;
  }
  const tried = ordered.map((p) => p.source).join(', ');
  const id = envelope.id ? ` (vault id '${envelope.id}')` : '';
  throw new VaultDecryptError(`cannot decrypt this Ansible Vault data${id}: no vault password given fits (tried ${tried}), or the data was altered`);
}
