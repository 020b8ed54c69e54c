import test from 'ava';
import os from 'node:os';
import path from 'node:path';
import { secrets } from '../../../src/core/secrets.js';
import { locate } from '../../../src/input/yaml-source.js';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

function load(text: string, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): Inventory {
  const dir = tempTree({ 'inventory.yml': text, ...files });
  return loadInventory(path.join(dir, 'inventory.yml'), env);
}


function host(inventory: Inventory, name: string) {
  const found = inventory.hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
}

const NESTED = lines(
  'all:',
  '  vars:',
  '    level: all',
  '    from_all: 1',
  '  hosts:',
  '    solo:',
  '  children:',
  '    web:',
  '      vars:',
  '        level: web',
  '        from_web: 1',
  '      hosts:',
  '        web1:',
  '          level: host',
  '      children:',
  '        prod:',
  '          vars:',
  '            level: prod',
  '          hosts:',
  '            web2:',
  'db:',
  '  vars:',
  '    level: db',
  '  hosts:',
  '    db1:',
  '    web2:',
);

test('variables merge all < parent group < child group < host', (t) => {
  const inventory = load(NESTED);
  t.is(host(inventory, 'solo').vars.level, 'all');
  t.is(host(inventory, 'web1').vars.level, 'host');
  t.is(host(inventory, 'web1').vars.from_all, 1);
  t.is(host(inventory, 'web1').vars.from_web, 1);
  // prod (depth 2) is deeper than db (depth 1), so it wins although db comes later in the file.
  t.is(host(inventory, 'web2').vars.level, 'prod');
  t.is(host(inventory, 'db1').vars.level, 'db');
});

test('top-level groups are children of all, and hosts may be in several groups', (t) => {
  const inventory = load(NESTED);
  t.deepEqual(inventory.hosts.map((h) => h.name), ['solo', 'web1', 'web2', 'db1']);
  t.deepEqual(inventory.groups.get('all'), ['solo', 'web1', 'web2', 'db1']);
  t.deepEqual(inventory.groups.get('web'), ['web1', 'web2']);
  t.deepEqual(inventory.groups.get('prod'), ['web2']);
  // Hosts are listed in the order the inventory first names them.
  t.deepEqual(inventory.groups.get('db'), ['web2', 'db1']);
  t.deepEqual(inventory.groups.get('ungrouped'), ['solo']);
  t.deepEqual(host(inventory, 'web2').groups.sort(), ['all', 'db', 'prod', 'web']);
});

test('groups of the same depth apply alphabetically, unless ansible_group_priority says otherwise', (t) => {
  const text = lines('beta:', '  vars: {color: beta}', '  hosts: {h1: }', 'alpha:', '  vars: {color: alpha}', '  hosts: {h1: }');
  t.is(host(load(text), 'h1').vars.color, 'beta');
  const prioritized = text.replace('vars: {color: alpha}', 'vars: {color: alpha, ansible_group_priority: 10}');
  t.is(host(load(prioritized), 'h1').vars.color, 'alpha');
});

test('a variable replaces the less specific one whole (no deep merge)', (t) => {
  const text = lines('all:', '  vars:', '    env: {A: 1, B: 2}', '  hosts:', '    h1:', '      env: {A: 3}');
  t.deepEqual(host(load(text), 'h1').vars.env, { A: 3 });
});

test('merged variables still point at the line that set them', (t) => {
  const inventory = load(NESTED);
  const web1 = host(inventory, 'web1');
  t.is(locate(web1.vars, 'level')?.line, 14);
  t.is(locate(web1.vars, 'from_all')?.line, 4);
  t.is(locate(host(inventory, 'web2').vars, 'level')?.line, 18);
  t.is(web1.location?.line, 13);
});

test('nested values keep their identity and positions', (t) => {
  const inventory = load(lines('all:', '  hosts:', '    h1:', '      services:', '        - name: demo'));
  const services = host(inventory, 'h1').vars.services as Array<Record<string, unknown>>;
  t.deepEqual(locate(services[0]!, 'name'), { file: inventory.file, line: 5, col: 17 });
});

test('connection defaults: the host name, port 22, root, key checking on, no become', (t) => {
  const { connection } = host(load(lines('all:', '  hosts:', '    web1.example.org:')), 'web1.example.org');
  t.deepEqual(connection, { address: 'web1.example.org', port: 22, user: 'root', become: false, hostKeyChecking: true });
});

test('connection variables are read from the merged variables', (t) => {
  const text = lines(
    'all:',
    '  vars:',
    '    ansible_user: deploy',
    '    ansible_become: "yes"',
    '  hosts:',
    '    web1:',
    '      ansible_host: 192.0.2.7',
    '      ansible_port: 2222',
    '      ansible_ssh_private_key_file: keys/id_ed25519',
    '      ansible_host_key_checking: false',
  );
  const inventory = load(text, {}, { 'keys/id_ed25519': 'key' });
  t.deepEqual(host(inventory, 'web1').connection, {
    address: '192.0.2.7',
    port: 2222,
    user: 'deploy',
    become: true,
    hostKeyChecking: false,
    privateKeyFile: path.join(inventory.dir, 'keys/id_ed25519'),
  });
});

test('a ~ in the key file path is the home directory', (t) => {
  const errors = inputErrorsThrownBy(() => load(lines('all:', '  hosts:', '    h1:', '      ansible_ssh_private_key_file: ~/no-such-key-for-test')));
  t.is(errors.length, 1);
  t.true(errors[0]!.message.includes(path.join(os.homedir(), 'no-such-key-for-test')));
});

test('ssh arguments can set the known hosts file and turn strict checking off', (t) => {
  const text = lines(
    'all:',
    '  hosts:',
    '    h1:',
    '      ansible_ssh_common_args: "-o UserKnownHostsFile=lab/known_hosts -o ServerAliveInterval=5"',
    '      ansible_ssh_extra_args: "-oStrictHostKeyChecking=no"',
  );
  const inventory = load(text);
  const { connection } = host(inventory, 'h1');
  t.is(connection.knownHostsFile, path.join(inventory.dir, 'lab/known_hosts'));
  t.false(connection.hostKeyChecking);
});

test('a value ${NAME} is taken from the environment; secret-looking names and passwords are masked', (t) => {
  const text = lines(
    'all:',
    '  hosts:',
    '    h1:',
    '      ansible_port: "${SSH_PORT}"',
    '      ansible_become_password: "${DEPLOY_PASS}"',
    '      greeting: "${WHO}"',
    '      literal: "$${LITERAL}"',
    '      path: "/opt/bin:${PATH}"',
    '      services:',
    '        - env: {SECRET_KEY: "${CLAM_SECRET_KEY}"}',
  );
  const env = { SSH_PORT: '2200', DEPLOY_PASS: 'become-pw-1', WHO: 'world', CLAM_SECRET_KEY: 'clam-secret-9' };
  const h1 = host(load(text, env), 'h1');
  t.is(h1.connection.port, 2200);
  t.is(h1.connection.becomePassword, 'become-pw-1');
  t.is(h1.vars.greeting, 'world');
  t.is(h1.vars.literal, '${LITERAL}');
  // inside longer text `${NAME}` stays as written, as Ansible keeps it
  t.is(h1.vars.path, '/opt/bin:${PATH}');
  t.deepEqual((h1.vars.services as any)[0].env, { SECRET_KEY: 'clam-secret-9' });
  t.is(secrets.mask('become-pw-1 clam-secret-9 world 2200'), '******** ******** world 2200');
});

test('a password given as a number is taken as its digits and masked; a mapping or list is an error at its position that never shows it', (t) => {
  const numeric = host(load(lines('all:', '  hosts:', '    h1:', '      ansible_password: 73914', '      ansible_become_password: 2.5')), 'h1');
  t.is(numeric.connection.password, '73914');
  t.is(numeric.connection.becomePassword, '2.5');
  t.is(secrets.mask('login with 73914, sudo with 2.5'), 'login with ********, sudo with ********');

  const text = lines(
    'all:',
    '  hosts:',
    '    h1:',
    '      ansible_password: {nested: map-pw-5521}',
    '      ansible_become_password: [list-pw-7730]',
    '    h2:',
    '      ansible_ssh_pass: ""',
    '      ansible_sudo_pass: true',
  );
  const errors = inputErrorsThrownBy(() => load(text));
  t.deepEqual(
    errors.map((e) => e.format()),
    [
      `${errors[0]!.location!.file}:4:25: host 'h1': ansible_password must be a non-empty string (a number is taken as its digits), not a mapping`,
      `${errors[0]!.location!.file}:5:32: host 'h1': ansible_become_password must be a non-empty string (a number is taken as its digits), not a list`,
      `${errors[0]!.location!.file}:7:25: host 'h2': ansible_ssh_pass must be a non-empty string (a number is taken as its digits), not an empty string`,
      `${errors[0]!.location!.file}:8:26: host 'h2': ansible_sudo_pass must be a non-empty string (a number is taken as its digits), not a boolean`,
    ],
  );
  t.false(errors.some((e) => /map-pw|list-pw/.test(e.format())), 'no message shows the password');
});

test('every missing environment variable is an error at its value', (t) => {
  const text = lines('all:', '  vars:', '    a: "${MISSING_ONE}"', '  hosts:', '    h1:', '      b: ["${MISSING_TWO}"]');
  const errors = inputErrorsThrownBy(() => load(text));
  t.deepEqual(errors.map((e) => [e.location?.line, e.location?.col]), [[3, 8], [6, 11]]);
  t.regex(errors[0]!.message, /environment variable MISSING_ONE is not set/);
  t.regex(errors[1]!.message, /environment variable MISSING_TWO is not set/);
});

test('a user given as a number is taken as its digits, as Ansible does', (t) => {
  t.is(host(load(lines('all:', '  hosts:', '    h1: {ansible_user: 1000}')), 'h1').connection.user, '1000');
});

test('hosts without variables may be written as `web1:` or `web1: null`', (t) => {
  const inventory = load(lines('all:', '  hosts:', '    web1:', '    web2: null', '    web3: {}'));
  t.deepEqual(inventory.hosts.map((h) => h.name), ['web1', 'web2', 'web3']);
});

const BAD: Array<[string, string, number, number, RegExp]> = [
  ['hosts as a list', lines('all:', '  hosts:', '    - web1'), 3, 5, /'hosts' of group 'all' must be a mapping of host names, not a list/],
  ['children as a list', lines('all:', '  children: [web]'), 2, 13, /'children' of group 'all' must be a mapping/],
  ['unknown group key', lines('web:', '  hots:', '    h1:'), 2, 3, /unknown key 'hots' in group 'web'.*did you mean 'hosts'/],
  ['vars as a list', lines('all:', '  vars: [a]', '  hosts: {h1: }'), 2, 9, /'vars' of group 'all' must be a mapping/],
  ['host with a scalar value', lines('all:', '  hosts:', '    h1: 10.0.0.1'), 3, 9, /host 'h1' must have a mapping of variables or nothing/],
  ['a list at the top', lines('- all'), 1, 1, /must be a mapping of groups/],
  ['port out of range', lines('all:', '  hosts:', '    h1: {ansible_port: 70000}'), 3, 24, /ansible_port must be a port number from 1 to 65535, not 70000/],
  ['port as text', lines('all:', '  hosts:', '    h1: {ansible_port: ssh}'), 3, 24, /ansible_port must be a port number/],
  ['user as a list', lines('all:', '  hosts:', '    h1: {ansible_user: [root]}'), 3, 24, /ansible_user must be a non-empty string \(a whole number is taken as its digits\)/],
  ['become as a word', lines('all:', '  hosts:', '    h1: {ansible_become: maybe}'), 3, 26, /ansible_become must be true or false/],
  ['missing key file', lines('all:', '  hosts:', '    h1:', '      ansible_ssh_private_key_file: id_missing'), 4, 37, /private key file .*id_missing does not exist/],
  ['strict checking value', lines('all:', '  hosts:', '    h1: {ansible_ssh_common_args: "-o StrictHostKeyChecking=ask"}'), 3, 35, /StrictHostKeyChecking must be yes, no or accept-new/],
  ['local connection', lines('all:', '  hosts:', '    h1: {ansible_connection: local}'), 3, 30, /ansible_connection 'local' is not supported/],
  ['become another user', lines('all:', '  hosts:', '    h1: {ansible_become_user: postgres}'), 3, 31, /ansible_become_user 'postgres' is not supported/],
  ['group cycle', lines('a:', '  children:', '    b:', '      children:', '        a:', '      hosts: {h1: }'), 5, 9, /group 'a' cannot be a child of 'b': that makes a cycle/],
  ['all as a child', lines('web:', '  children:', '    all:', '  hosts: {h1: }'), 3, 5, /'all' is the root group/],
  ['empty inventory', lines('# nothing'), 1, 1, /the inventory is empty/],
  ['no hosts', lines('all:', '  vars: {a: 1}'), 1, 1, /defines no hosts/],
];

for (const [title, text, line, col, message] of BAD) {
  test(`error: ${title}`, (t) => {
    const errors = inputErrorsThrownBy(() => load(text));
    t.true(errors.length >= 1, 'accepted');
    const error = errors[0]!;
    t.regex(error.message, message);
    t.is(path.basename(error.location?.file ?? ''), 'inventory.yml');
    t.deepEqual([error.location?.line, error.location?.col], [line, col]);
  });
}

test('all structural errors are reported together', (t) => {
  const text = lines('all:', '  hosts:', '    - web1', 'web:', '  hots: {}', 'db:', '  vars: 3');
  const errors = inputErrorsThrownBy(() => load(text));
  t.deepEqual(errors.map((e) => e.location?.line), [3, 5, 7]);
});

test('connection errors of several hosts are reported together', (t) => {
  const text = lines('all:', '  hosts:', '    h1: {ansible_port: 0}', '    h2: {ansible_port: x}');
  const errors = inputErrorsThrownBy(() => load(text));
  t.deepEqual(errors.map((e) => e.message.slice(0, 10)), ["host 'h1':", "host 'h2':"]);
});

test('an unreadable inventory file is an input error naming it', (t) => {
  const missing = path.join(tempTree({}), 'missing.yml');
  const [error] = inputErrorsThrownBy(() => loadInventory(missing, {}));
  t.regex(error!.message, /missing\.yml/);
});

test('host ranges expand like Ansible', (t) => {
  const text = lines('all:', '  hosts:', '    www[08:10].example.org:', '      http_port: 81', '    db-[a:c]:', '    n[0:10:5]:');
  const inventory = load(text);
  t.deepEqual(inventory.hosts.map((h) => h.name), [
    'www08.example.org',
    'www09.example.org',
    'www10.example.org',
    'db-a',
    'db-b',
    'db-c',
    'n0',
    'n5',
    'n10',
  ]);
  t.is(host(inventory, 'www10.example.org').vars.http_port, 81);
  t.is(host(inventory, 'www09.example.org').location?.line, 3);
});

test('a malformed host range is an error at the host', (t) => {
  const [error] = inputErrorsThrownBy(() => load(lines('all:', '  hosts:', '    web[5:1]:')));
  t.deepEqual([error!.location?.line, error!.location?.col], [3, 5]);
  t.regex(error!.message, /host range '\[5:1\]' runs backwards/);
});
