/**
 * `clamprovision inventory --list`: the inventory as `ansible-inventory --list` prints it (groups with
 * hosts and children, `_meta.hostvars`), several inventories merged in order, secrets masked, the
 * same file:line:col errors as every other command. The agreement with Ansible itself on real
 * inventories is corpus.test.ts.
 */
import test from 'ava';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inputErrorsIn } from '../../../src/core/errors.js';
import { listInventory, renderInventoryList } from '../../../src/inventory/list.js';
import { setVaultPasswords } from '../../../src/vault/vault-passwords.js';
import { repoRoot, runCli } from '../../helpers/cli.js';
import { testTempDir } from '../../helpers/temp-dir.js';
import { lines } from '../input/temp-files.js';

/** A temporary directory holding the files (relative path -> content). */
function tempTree(files: Record<string, string>): string {
  const dir = testTempDir('inventory-list');
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), content);
  }
  return dir;
}

const vaultFixtures = path.join(repoRoot, 'test', 'fixtures', 'vault');
const vaultPassword = path.join(vaultFixtures, 'password.txt');
const vaultedBecomePassword = readFileSync(path.join(vaultFixtures, 'string-1.1.yml'), 'utf8').replace(/^/gm, '      ').trimEnd();

const VAULT_PASSWORD = { id: 'default', password: readFileSync(vaultPassword).subarray(0, -1), source: 'password.txt' };

test.afterEach.always(() => setVaultPasswords([]));

const web = tempTree({
  'hosts.ini': lines(
    'lonely',
    '[web]',
    'web1 ansible_host=192.0.2.10 http_port=8080',
    'web2:2222',
    '[web:vars]',
    'ansible_user=deploy',
    'greeting="{{ inventory_hostname }} says hi"',
    'path_env=${PATH}',
    '[prod:children]',
    'web',
  ),
  'group_vars/prod.yml': lines('tier: production', 'http_port: 80'),
  'host_vars/web1.yml': lines('tier: canary'),
  'extra.yml': lines('all:', '  hosts:', '    db1:', '      http_port: 5432', '  children:', '    web:', '      vars:', '        ansible_user: admin'),
});

test('an INI inventory with group_vars and host_vars lists as ansible-inventory --list: groups, ungrouped, hostvars by precedence, values as written', (t) => {
  const list = listInventory([path.join(web, 'hosts.ini')]);
  t.deepEqual(list, {
    _meta: {
      hostvars: {
        web1: {
          ansible_host: '192.0.2.10',
          ansible_user: 'deploy',
          greeting: '{{ inventory_hostname }} says hi',
          http_port: 8080,
          path_env: '${PATH}',
          tier: 'canary',
        },
        web2: { ansible_port: 2222, ansible_user: 'deploy', greeting: '{{ inventory_hostname }} says hi', http_port: 80, path_env: '${PATH}', tier: 'production' },
      },
    },
    all: { children: ['ungrouped', 'prod'] },
    prod: { children: ['web'] },
    ungrouped: { hosts: ['lonely'] },
    web: { hosts: ['web1', 'web2'] },
  } as never);
});

test('several inventories merge in order, as repeated -i: the later one adds hosts and wins for the same group', (t) => {
  const list = listInventory([path.join(web, 'hosts.ini'), path.join(web, 'extra.yml')]);
  t.deepEqual(list.ungrouped, { hosts: ['lonely', 'db1'] });
  t.deepEqual(list.web, { hosts: ['web1', 'web2'] });
  t.is(list._meta.hostvars.web2!.ansible_user, 'admin');
  t.is(list._meta.hostvars.db1!.http_port, 5432);
  const reversed = listInventory([path.join(web, 'extra.yml'), path.join(web, 'hosts.ini')]);
  t.is(reversed._meta.hostvars.web2!.ansible_user, 'deploy');
});

test('a host with no variables has no hostvars entry and a group with neither hosts nor children is left out, as in ansible-inventory', (t) => {
  const dir = tempTree({ 'hosts.yml': lines('all:', '  children:', '    empty: {}', '    full:', '      hosts:', '        bare:') });
  t.deepEqual(listInventory([path.join(dir, 'hosts.yml')]), { _meta: { hostvars: {} }, all: { children: ['ungrouped', 'empty', 'full'] }, full: { hosts: ['bare'] } } as never);
});

test('the rendered list masks every secret: the connection and sudo passwords, vault values, services’ secrets and auth passwords', (t) => {
  setVaultPasswords([VAULT_PASSWORD]);
  const dir = tempTree({
    'inventory.yml': lines(
      'all:',
      '  hosts:',
      '    h1:',
      '      ansible_password: ssh-Password-1',
      '      ansible_sudo_pass: 424242',
      vaultedBecomePassword,
      '      services:',
      '        - name: app',
      '          env: {SECRET_KEY: app-Secret-Key-9, MODE: production}',
      '          secrets: [SECRET_KEY]',
      '          auth: {users: {alice: alice-Password-3}}',
      '    h2:',
      '      ansible_password: "{{ vault_ssh_password }}"',
      "      ansible_become_password: !unsafe 'unsafe-Password-{{5'",
    ),
  });
  const output = renderInventoryList(listInventory([path.join(dir, 'inventory.yml')]));
  for (const secret of ['ssh-Password-1', 'unsafe-Password', '424242', 'S3cret-become-pw!', 'app-Secret-Key-9', 'alice-Password-3']) t.false(output.includes(secret), secret);
  const vars = (JSON.parse(output) as { _meta: { hostvars: Record<string, Record<string, unknown>> } })._meta.hostvars.h1!;
  t.is(vars.ansible_password, '********');
  t.is(vars.ansible_become_password, '********');
  t.deepEqual((vars.services as Array<{ env: unknown }>)[0]!.env, { SECRET_KEY: '********', MODE: 'production' });
  const h2 = (JSON.parse(output) as { _meta: { hostvars: Record<string, Record<string, unknown>> } })._meta.hostvars.h2!;
  t.is(h2.ansible_password, '{{ vault_ssh_password }}', 'a value that only names its source holds no secret: shown as written');
});

test('a var file encrypted whole is decrypted and every value of it masked', (t) => {
  setVaultPasswords([VAULT_PASSWORD]);
  const withVars = tempTree({ 'hosts.ini': lines('[web]', 'web1'), 'group_vars/.keep': '' });
  copyFileSync(path.join(vaultFixtures, 'whole-1.1.yml'), path.join(withVars, 'group_vars', 'web.yml'));
  const list = listInventory([path.join(withVars, 'hosts.ini')]);
  t.is(list._meta.hostvars.web1!.vault_api_token, 'tok-0123456789', 'decrypted');
  const output = renderInventoryList(list);
  t.false(output.includes('tok-0123456789'));
  t.false(output.includes('file-level-Secret-7'));
});

test('input errors are the same as every command’s: file:line:col', (t) => {
  const dir = tempTree({ 'hosts.ini': lines('[web]', 'web1 port'), 'bad.yml': lines('all:', '  hosts:', '    - web1') });
  const ini = inputErrorsIn(t.throws(() => listInventory([path.join(dir, 'hosts.ini')])))!;
  t.is(ini[0]!.format(), `${path.join(dir, 'hosts.ini')}:2:6: expected key=value after the host name, got 'port' (a value with spaces needs quotes: key="a b")`);
  const yaml = inputErrorsIn(t.throws(() => listInventory([path.join(dir, 'bad.yml')])))!;
  t.regex(yaml[0]!.format(), new RegExp(`^${path.join(dir, 'bad.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:5: 'hosts' of group 'all' must be a mapping`));
});

test('CLI: inventory --list prints the JSON on stdout with exit 0; without --list, or with a bad inventory, exit 1 with the reason', async (t) => {
  const env = { PATH: process.env.PATH, HOME: web };
  const listed = await runCli(['inventory', '--list', path.join(web, 'hosts.ini'), path.join(web, 'extra.yml')], { env });
  t.is(listed.code, 0, listed.stderr);
  const document = JSON.parse(listed.stdout) as Record<string, unknown>;
  t.deepEqual(document.web, { hosts: ['web1', 'web2'] });
  t.regex(listed.stdout, /^\{\n {4}"_meta": \{\n {8}"hostvars": \{/, 'indented as ansible-inventory indents');

  const withoutList = await runCli(['inventory', path.join(web, 'hosts.ini')], { env });
  t.is(withoutList.code, 1);
  t.regex(withoutList.stderr, /give --list/);
  t.is(withoutList.stdout, '');

  const missing = await runCli(['inventory', '--list', path.join(web, 'nope.ini')], { env });
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.ini: file not found/);
});

test('CLI: vault values are decrypted with --vault-password-file and never printed', async (t) => {
  const dir = tempTree({ 'inventory.yml': lines('all:', '  hosts:', '    h1:', '      ansible_host: 127.0.0.1', vaultedBecomePassword) });
  const run = await runCli(['inventory', '--list', path.join(dir, 'inventory.yml'), '--vault-password-file', vaultPassword], { env: { PATH: process.env.PATH, HOME: dir } });
  t.is(run.code, 0, run.stderr);
  t.false(run.stdout.includes('S3cret-become-pw!') || run.stderr.includes('S3cret-become-pw!'));
  t.is((JSON.parse(run.stdout) as { _meta: { hostvars: Record<string, Record<string, unknown>> } })._meta.hostvars.h1!.ansible_become_password, '********');
});
