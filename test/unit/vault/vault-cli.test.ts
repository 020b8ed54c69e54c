/** Ansible Vault through the CLI: the password options, the exit code and what is (not) printed. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runCli } from '../../helpers/cli.js';
import { lines, tempTree } from '../input/temp-files.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'vault');
const playbook = path.join(repoRoot, 'test', 'fixtures', 'faults', 'noop.yml');
const vaulted = readFileSync(path.join(fixtures, 'string-1.1.yml'), 'utf8').replace(/^/gm, '      ').trimEnd();
const dir = tempTree({
  'inventory.yml': lines('all:', '  hosts:', '    h1:', '      ansible_host: 127.0.0.1', vaulted),
  'wrong.txt': 'not the password\n',
});
const inventory = path.join(dir, 'inventory.yml');
const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: dir, ...extra });

test('validate decrypts !vault values with --vault-password-file', async (t) => {
  const run = await runCli(['validate', inventory, '--playbook', playbook, '--vault-password-file', path.join(fixtures, 'password.txt')], { env: env() });
  t.is(run.code, 0, run.stderr);
});

test('ANSIBLE_VAULT_PASSWORD_FILE gives the password when no option does; an inventory encrypted whole is read too', async (t) => {
  const run = await runCli(['validate', path.join(fixtures, 'inventory-encrypted.yml'), '--playbook', playbook], {
    env: env({ ANSIBLE_VAULT_PASSWORD_FILE: path.join(fixtures, 'password.txt') }),
  });
  t.is(run.code, 0, run.stderr);
});

test('a wrong vault password: exit 1, the value named by file:line:col, no secret printed', async (t) => {
  const run = await runCli(['validate', inventory, '--playbook', playbook, '--vault-password-file', path.join(dir, 'wrong.txt')], { env: env() });
  t.is(run.code, 1);
  t.regex(run.stderr, new RegExp(`${inventory.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:39: cannot decrypt this Ansible Vault data`));
  for (const secret of ['not the password', 'S3cret-become-pw!']) t.false(run.stdout.includes(secret) || run.stderr.includes(secret), secret);
});

test('no vault password: exit 1 saying how to give one', async (t) => {
  const run = await runCli(['validate', inventory, '--playbook', playbook], { env: env() });
  t.is(run.code, 1);
  t.regex(run.stderr, /no vault password was given: use --vault-password-file FILE, --ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE/);
});

test('--ask-vault-pass without a terminal is a usage error, before anything is read', async (t) => {
  const run = await runCli(['validate', inventory, '--playbook', playbook, '--ask-vault-pass'], { env: env() });
  t.is(run.code, 1);
  t.regex(run.stderr, /--ask-vault-pass needs a terminal/);
});
