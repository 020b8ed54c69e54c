import test from 'ava';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { secrets } from '../../../src/core/secrets.js';
import { loadYamlFile } from '../../../src/input/yaml-file.js';
import { locate, parseYamlText } from '../../../src/input/yaml-source.js';
import { readVaultPasswords } from '../../../src/vault/password-sources.js';
import { setVaultPasswords, type VaultPassword } from '../../../src/vault/vault-passwords.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

// Vault data made once with ansible-vault (see test/fixtures/vault/SOURCE).
const fixtures = fileURLToPath(new URL('../../fixtures/vault/', import.meta.url));
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const MAIN: VaultPassword = { id: 'default', password: Buffer.from('correct horse battery staple'), source: 'password.txt' };
const PROD: VaultPassword = { id: 'prod', password: Buffer.from('second-vault-password'), source: 'prod-password.txt' };
const WRONG: VaultPassword = { id: 'default', password: Buffer.from('not the password'), source: 'wrong.txt' };

// The passwords are process-wide: the tests that set them run one after the other.
test.afterEach.always(() => setVaultPasswords([]));

test.serial('a !vault value of format 1.1 is decrypted to its string', (t) => {
  setVaultPasswords([MAIN]);
  const data = parseYamlText(fixture('string-1.1.yml'), 'v.yml') as Record<string, unknown>;
  t.is(data.ansible_become_password, 'S3cret-become-pw!');
  t.deepEqual(locate(data, 'ansible_become_password'), { file: 'v.yml', line: 1, col: 33 });
  t.is(secrets.mask('sudo password S3cret-become-pw! given'), 'sudo password ******** given');
});

test.serial('a !vault value of format 1.2 is decrypted with the password of its vault id, whichever comes first', (t) => {
  setVaultPasswords([MAIN, PROD]);
  const data = parseYamlText(fixture('string-1.2-prod.yml'), 'v.yml') as Record<string, unknown>;
  t.is(data.db_password, 'prod-db-Secret-42');
});

test.serial('a 1.2 value is decrypted by a password given without its vault id too, as Ansible does', (t) => {
  setVaultPasswords([{ ...PROD, id: 'default' }]);
  t.is((parseYamlText(fixture('string-1.2-prod.yml'), 'v.yml') as Record<string, unknown>).db_password, 'prod-db-Secret-42');
});

test.serial('a wrong password is an error at the value that shows neither the value nor a password', (t) => {
  setVaultPasswords([WRONG]);
  const text = lines('other: 1', fixture('string-1.1.yml').trimEnd());
  const [error, more] = inputErrorsThrownBy(() => parseYamlText(text, 'inv.yml'));
  t.is(more, undefined);
  t.deepEqual(error!.location, { file: 'inv.yml', line: 2, col: 33 });
  t.regex(error!.message, /cannot decrypt .*no vault password given fits \(tried wrong\.txt\)/);
  t.false(error!.message.includes('not the password'));
  t.false(error!.message.includes('S3cret'));
});

test.serial('without a vault password the error says how to give one', (t) => {
  const [error] = inputErrorsThrownBy(() => parseYamlText(fixture('string-1.1.yml'), 'inv.yml'));
  t.regex(error!.message, /--vault-password-file FILE, --ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE/);
  t.deepEqual(error!.location, { file: 'inv.yml', line: 1, col: 33 });
});

/** The fixture with one hex digit of its salt, HMAC or ciphertext (0, 1, 2) changed, still well-formed. */
function tampered(part: 0 | 1 | 2): string {
  const [key, header, ...body] = fixture('string-1.1.yml').trim().split('\n');
  const parts = Buffer.from(body.map((line) => line.trim()).join(''), 'hex').toString('latin1').split('\n');
  const digits = parts[part]!;
  parts[part] = (digits[0] === 'a' ? 'b' : 'a') + digits.slice(1);
  const hex = Buffer.from(parts.join('\n'), 'latin1').toString('hex');
  return [key, header, ...hex.match(/.{1,80}/g)!.map((line) => `${/^\s*/.exec(header!)![0]}${line}`)].join('\n');
}

test.serial('altered salt, HMAC or ciphertext is refused, never decrypted into garbage', (t) => {
  setVaultPasswords([MAIN]);
  for (const part of [0, 1, 2] as const) {
    const [error] = inputErrorsThrownBy(() => parseYamlText(tampered(part), 'inv.yml'));
    t.regex(error?.message ?? 'accepted', /cannot decrypt .* or the data was altered/, `part ${part}`);
  }
});

test.serial('a file encrypted whole (1.1 and 1.2) is decrypted, and every value in it is a secret', (t) => {
  setVaultPasswords([PROD, MAIN]);
  for (const name of ['whole-1.1.yml', 'whole-1.2-prod.yml']) {
    const data = loadYamlFile(path.join(fixtures, name)) as Record<string, unknown>;
    t.deepEqual(data, { vault_become_password: 'file-level-Secret-7', vault_api_token: 'tok-0123456789' });
    t.deepEqual(locate(data, 'vault_api_token'), { file: path.join(fixtures, name), line: 2, col: 18 });
  }
  t.is(secrets.mask('tok-0123456789 file-level-Secret-7'), '******** ********');
});

test.serial('a whole file with a wrong password is an error at the file', (t) => {
  setVaultPasswords([WRONG]);
  const file = path.join(fixtures, 'whole-1.1.yml');
  const [error] = inputErrorsThrownBy(() => loadYamlFile(file));
  t.deepEqual(error!.location, { file, line: 1, col: 1 });
  t.regex(error!.message, /cannot decrypt/);
});

test('password files are read as Ansible reads them: trimmed, or the output of an executable one', async (t) => {
  const dir = tempTree({ 'plain.txt': '  pw-from-file \n', 'script.sh': '#!/bin/sh\nprintf "pw from script\\n"\n', 'empty.txt': '\n' });
  chmodSync(path.join(dir, 'script.sh'), 0o755);
  const given = await readVaultPasswords({ vaultPasswordFile: [path.join(dir, 'plain.txt'), path.join(dir, 'script.sh')] }, {});
  t.deepEqual(given.map((p) => p.password.toString()), ['pw-from-file', 'pw from script']);
  const fromEnv = await readVaultPasswords({}, { ANSIBLE_VAULT_PASSWORD_FILE: path.join(dir, 'plain.txt') });
  t.deepEqual(fromEnv.map((p) => p.source), [path.join(dir, 'plain.txt')]);
  await t.throwsAsync(readVaultPasswords({ vaultPasswordFile: [path.join(dir, 'empty.txt')] }, {}), { message: /is empty/ });
  await t.throwsAsync(readVaultPasswords({ vaultPasswordFile: [path.join(dir, 'missing.txt')] }, {}), { message: /cannot read the vault password file/ });
});
