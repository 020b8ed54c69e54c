import test from 'ava';
import os from 'node:os';
import path from 'node:path';
import { parseYamlText } from '../../../src/input/yaml-source.js';
import { connectionSettings } from '../../../src/inventory/connection.js';
import type { ConnectionSettings } from '../../../src/inventory/types.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

const CONFIG = lines(
  '# a user\'s ~/.ssh/config',
  'Host bastion',
  '  HostName 198.51.100.7',
  '  User jumper',
  '  Port 2222',
  '',
  'Host web* !web3',
  '  HostName %h.internal.example.org',
  '  User deploy',
  '  ProxyJump bastion',
  '  IdentityFile ~/.ssh/web_key',
  '',
  'Host web1',
  '  User ignored-first-match-wins',
  '  Port 2201',
  '',
  'Host *',
  '  ServerAliveInterval 30',
  '  ControlMaster auto',
  '  User everyone',
  '  IdentityFile keys/all_key',
);

/** Connection settings of a host `h` with these variables (YAML flow mapping text), against CONFIG. */
function settings(vars = '{}', config = CONFIG, name = 'h'): ConnectionSettings {
  const dir = tempTree({ ssh_config: config, 'inventory.yml': `${name}: ${vars}\n` });
  const parsed = parseYamlText(`${name}: ${vars}\n`, path.join(dir, 'inventory.yml')) as Record<string, Record<string, unknown>>;
  return connectionSettings(name, parsed[name] ?? {}, dir, path.join(dir, 'ssh_config'));
}

function errorsOf(vars: string, config = CONFIG) {
  return inputErrorsThrownBy(() => settings(vars, config));
}

test('Host patterns: the first value of each option wins, later sections fill in the rest', (t) => {
  const web1 = settings('{}', CONFIG, 'web1');
  t.is(web1.address, 'web1.internal.example.org', '%h is the name asked for');
  t.is(web1.user, 'deploy', 'the first User, not the one of Host web1 nor of Host *');
  t.is(web1.port, 2201, 'Port from the later Host web1, which the first section does not set');
  t.deepEqual(web1.identityFiles, [path.join(os.homedir(), '.ssh', 'web_key'), path.join(path.dirname(web1.identityFiles![1]!), 'all_key')], 'every IdentityFile, in order');
});

test('a negated pattern excludes the host; * applies to every host', (t) => {
  const web3 = settings('{}', CONFIG, 'web3');
  t.is(web3.address, 'web3');
  t.is(web3.user, 'everyone');
  t.is(web3.port, 22);
  t.is(web3.jumps, undefined);
});

test('Host patterns are matched against ansible_host, as ssh gets it, not the inventory name', (t) => {
  const s = settings('{ansible_host: web7}', CONFIG, 'db1');
  t.is(s.address, 'web7.internal.example.org');
  t.is(s.user, 'deploy');
});

test('inventory variables win over the ssh config; the config wins over the default user root', (t) => {
  const s = settings('{ansible_host: web2, ansible_user: admin, ansible_port: 2022}');
  t.deepEqual([s.address, s.user, s.port], ['web2.internal.example.org', 'admin', 2022]);
  const bare = settings('{}', lines('Host other', '  User x'));
  t.deepEqual([bare.address, bare.user, bare.port], ['h', 'root', 22]);
});

test("ProxyJump from the config is resolved through the config too: the jump host's HostName, User and Port", (t) => {
  const s = settings('{ansible_host: web2}');
  t.deepEqual(
    s.jumps?.map((j) => [j.address, j.user, j.port]),
    [['198.51.100.7', 'jumper', 2222]],
  );
  t.true(s.jumps![0]!.hostKeyChecking);
});

test("a jump host's own ProxyJump comes before it; a later hop of a list ignores its own", (t) => {
  const config = lines('Host inner', '  ProxyJump outer', 'Host outer', '  HostName 192.0.2.1', 'Host second', '  ProxyJump never');
  const chained = settings('{ansible_ssh_common_args: "-J inner"}', config);
  t.deepEqual(chained.jumps?.map((j) => j.address), ['192.0.2.1', 'inner']);
  const list = settings('{ansible_ssh_common_args: "-J ssh://ops@inner:2200,second"}', config);
  t.deepEqual(list.jumps?.map((j) => `${j.user}@${j.address}:${j.port}`), [`${os.userInfo().username}@192.0.2.1:22`, 'ops@inner:2200', `${os.userInfo().username}@second:22`]);
});

test('ansible_ssh_common_args win over the config, and -F names another config file', (t) => {
  const s = settings('{ansible_host: web2, ansible_ssh_common_args: "-o User=fromargs -p 2300 -o ProxyJump=none"}');
  t.deepEqual([s.user, s.port, s.jumps], ['fromargs', 2300, undefined]);
  const dir = tempTree({ 'other.conf': lines('Host h', '  HostName 203.0.113.9') });
  const other = settings(`{ansible_ssh_extra_args: "-F ${path.join(dir, 'other.conf')}"}`);
  t.is(other.address, '203.0.113.9');
});

test('ProxyCommand in the config is refused at its line, naming it and what to use instead', (t) => {
  const config = lines('Host *', '  User x', '  ProxyCommand ssh -W %h:%p bastion');
  const [error, more] = errorsOf('{}', config);
  t.is(more, undefined);
  t.is(error!.location?.line, 3);
  t.is(error!.location?.col, 3);
  t.true(error!.location?.file.endsWith('ssh_config'));
  t.regex(error!.message, /ProxyCommand is not supported.*use ProxyJump/);
});

test('an option that changes how the host is reached is an error naming it; harmless ones are ignored; sections for other hosts do not matter', (t) => {
  const config = lines('Host other', '  ProxyCommand nc %h %p', 'Host h', '  ServerAliveInterval 5', '  Ciphers aes128-ctr');
  const [error, more] = errorsOf('{}', config);
  t.is(more, undefined);
  t.deepEqual([error!.location?.line, error!.location?.col], [5, 3]);
  t.regex(error!.message, /ssh option Ciphers is not supported/);
});

test('Match with host and user criteria applies; Match exec is refused (no command is run)', (t) => {
  const s = settings('{ansible_user: ops}', lines('Match user ops host h', '  Port 2500', 'Match originalhost !h', '  Port 1'));
  t.is(s.port, 2500);
  const [error] = errorsOf('{}', lines('Match exec "test -e /x"', '  Port 2'));
  t.regex(error!.message, /Match exec is not supported/);
  t.is(error!.location?.line, 1);
});

test('Include reads the files it names (wildcards in the file name), at the place of the Include', (t) => {
  const dir = tempTree({ 'conf.d/10-web.conf': lines('Host h', '  HostName included.example.org', '  Port 2600'), 'conf.d/.hidden': 'Host h\n  Port 1\n' });
  const s = settings('{}', lines('Host h', '  User before', `Include ${path.join(dir, 'conf.d', '*.conf')}`, 'Host *', '  Port 9'));
  t.deepEqual([s.address, s.user, s.port], ['included.example.org', 'before', 2600]);
});
