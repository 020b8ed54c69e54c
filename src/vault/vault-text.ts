import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

/**
 * Ansible Vault's format (lib/ansible/parsing/vault/__init__.py, VaultAES256): a header line
 * `$ANSIBLE_VAULT;1.1;AES256` or `$ANSIBLE_VAULT;1.2;AES256;ID`, then hex of
 * `hex(salt) \n hex(hmac) \n hex(ciphertext)` in lines of 80. Keys: PBKDF2-HMAC-SHA256, 10,000
 * iterations, 80 bytes = AES key, HMAC key, counter; AES-256-CTR over PKCS#7-padded plaintext,
 * HMAC-SHA256 over the ciphertext. node:crypto does all of it; the npm `ansible-vault` package
 * compares the HMAC with `===`, which leaks timing.
 */
export const VAULT_HEADER = '$ANSIBLE_VAULT;';

export interface VaultEnvelope {
  version: string;
  /** the vault id of a 1.2 envelope: a hint for which password to try first, not authenticated */
  id?: string;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

export class VaultFormatError extends Error {}

export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith(VAULT_HEADER);
}

export function parseVaultText(text: string): VaultEnvelope {
  const [header = '', ...body] = text.trim().split(/\r?\n/);
  const fields = header.trim().split(';');
  const [, version, cipher, id] = fields;
  if (version !== '1.1' && version !== '1.2') throw new VaultFormatError(`unsupported Ansible Vault format version '${version ?? ''}' (1.1 and 1.2 are)`);
  if (cipher !== 'AES256') throw new VaultFormatError(`unsupported Ansible Vault cipher '${cipher ?? ''}' (AES256 is)`);
  const payload = unhex(body.map((line) => line.trim()).join('')).toString('latin1');
  const parts = payload.split('\n');
  if (parts.length !== 3) throw new VaultFormatError('malformed Ansible Vault data: expected salt, HMAC and ciphertext');
  const [salt, hmac, ciphertext] = parts.map(unhex) as [Buffer, Buffer, Buffer];
  if (hmac.length !== 32 || ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw new VaultFormatError('malformed Ansible Vault data');
  const envelope: VaultEnvelope = { version, salt, hmac, ciphertext };
  if (version === '1.2' && id) envelope.id = id.trim();
  return envelope;
}

function unhex(text: string): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new VaultFormatError('malformed Ansible Vault data: not hexadecimal');
  return Buffer.from(text, 'hex');
}

/** The plaintext, or undefined when the password does not fit (the HMAC differs). */
export function decryptVault(envelope: VaultEnvelope, password: Buffer): Buffer | undefined {
  const derived = pbkdf2Sync(password, envelope.salt, 10_000, 80, 'sha256');
  const [aesKey, hmacKey, counter] = [derived.subarray(0, 32), derived.subarray(32, 64), derived.subarray(64, 80)];
  const expected = createHmac('sha256', hmacKey).update(envelope.ciphertext).digest();
  if (!timingSafeEqual(expected, envelope.hmac)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', aesKey, counter);
  const padded = Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  const padding = padded.at(-1) ?? 0;
  if (padding < 1 || padding > 16 || !padded.subarray(-padding).every((byte) => byte === padding)) {
    throw new VaultFormatError('malformed Ansible Vault data: bad padding');
  }
  return padded.subarray(0, -padding);
}
