import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { isExecutable } from '../input/executable-file.js';
import type { VaultPassword } from './vault-passwords.js';

export interface VaultOptions {
  /** --vault-password-file, repeatable */
  vaultPasswordFile?: string[];
  askVaultPass?: boolean;
}

/**
 * The vault passwords the options and ANSIBLE_VAULT_PASSWORD_FILE name, read as Ansible reads them:
 * a file's content without surrounding whitespace, or, when the file is executable, what the script
 * prints (without the line break). Never passed in argv or printed.
 */
export async function readVaultPasswords(options: VaultOptions, env: NodeJS.ProcessEnv = process.env): Promise<VaultPassword[]> {
  const files = [...(options.vaultPasswordFile ?? [])];
  if (files.length === 0 && !options.askVaultPass && env.ANSIBLE_VAULT_PASSWORD_FILE) files.push(env.ANSIBLE_VAULT_PASSWORD_FILE);
  const passwords = files.map((file) => ({ id: 'default', password: passwordFromFile(file), source: file }));
  if (options.askVaultPass) passwords.push({ id: 'default', password: Buffer.from(await askVaultPassword(), 'utf8'), source: 'the password typed' });
  return passwords;
}

function passwordFromFile(file: string): Buffer {
  let password: Buffer;
  try {
    password = isExecutable(file)
      ? trimLineBreaks(execFileSync(file, [], { stdio: ['inherit', 'pipe', 'inherit'], timeout: 60_000 }))
      : Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the vault password file ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (password.length === 0) throw new InputError(`the vault password file ${file} is empty`);
  return password;
}

function trimLineBreaks(output: Buffer): Buffer {
  let end = output.length;
  while (end > 0 && (output[end - 1] === 0x0a || output[end - 1] === 0x0d)) end--;
  let start = 0;
  while (start < end && (output[start] === 0x0a || output[start] === 0x0d)) start++;
  return output.subarray(start, end);
}

async function askVaultPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new InputError('--ask-vault-pass needs a terminal; without one use --vault-password-file FILE');
  // loaded only when asked: the prompt library costs start-up time on every other run
  const { password } = await import('@inquirer/prompts');
  const answer = await password({ message: 'Vault password:', mask: '*' }, { output: process.stderr });
  if (answer === '') throw new InputError('the vault password must not be empty');
  return answer;
}
