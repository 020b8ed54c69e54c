import test from 'ava';
import path from 'node:path';
import { parseYamlText } from '../../../src/input/yaml-source.js';
import { connectionSettings } from '../../../src/inventory/connection.js';
import { parseSshArgs } from '../../../src/inventory/ssh-args.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

const at = { file: 'inventory.yml', line: 1, col: 1 };

test('-o in its three spellings, -J, -p, -i, -l and -F; quoted words are kept whole', (t) => {
  const args = parseSshArgs(`-o ProxyJump=ops@bastion -oPort=2200 -o "User deploy" -J a,b -p 23 -i '/keys/my key' -l admin -F ./ssh.conf -C -q -vvv`, at);
  t.deepEqual(args.problems, []);
  t.deepEqual(
    args.options.map((o) => [o.name, o.value]),
    [['proxyjump', 'ops@bastion'], ['port', '2200'], ['user', 'deploy'], ['proxyjump', 'a,b'], ['port', '23'], ['identityfile', '/keys/my key'], ['user', 'admin']],
  );
  t.is(args.configFile, './ssh.conf');
});

test("Ansible's own connection-sharing options and keep-alives are accepted and change nothing", (t) => {
  const args = parseSshArgs('-o ControlMaster=auto -o ControlPersist=60s -o ServerAliveInterval=30 -o ServerAliveCountMax=3', at);
  t.deepEqual(args.problems, []);
});

test('no variable or command of the value is expanded: a shell operator is refused', (t) => {
  const args = parseSshArgs('-l $USER', at);
  t.deepEqual(args.options.map((o) => o.value), ['$USER']);
  t.deepEqual(parseSshArgs('-p 22; rm -rf /', at).problems.slice(0, 1), ["';' is not an ssh argument (the value is split like a shell command line, but not run)"]);
});

const inventory = (args: string) => lines('all:', '  hosts:', '    h1:', `      ansible_ssh_common_args: ${JSON.stringify(args)}`);

function errors(args: string) {
  const dir = tempTree({});
  const file = path.join(dir, 'inventory.yml');
  const data = parseYamlText(inventory(args), file) as { all: { hosts: { h1: Record<string, unknown> } } };
  return { file, errors: inputErrorsThrownBy(() => connectionSettings('h1', data.all.hosts.h1, dir, path.join(dir, 'no-ssh-config'))) };
}

const REFUSED: Array<[string, RegExp]> = [
  ['-o ProxyCommand="ssh -W %h:%p bastion"', /ProxyCommand is not supported: clamprovision runs no local command to connect; use ProxyJump/],
  ['-o Ciphers=aes128-ctr', /ssh option Ciphers is not supported/],
  ['-o HostKeyAlgorithms=+ssh-rsa', /ssh option HostKeyAlgorithms is not supported/],
  ['-A', /ssh option '-A' is not supported/],
  ['-L 8080:localhost:80', /ssh option '-L' is not supported/],
  ['-o', /ssh option '-o' needs a value/],
  ['bastion', /'bastion' is not an ssh option/],
  ['-o StrictHostKeyChecking=maybe', /StrictHostKeyChecking must be yes, no or accept-new, not 'maybe'/],
  ['-p 70000', /Port must be a port number from 1 to 65535, not '70000'/],
  ['-J user@', /ProxyJump: 'user@' is not a jump host/],
  ['-o Hostname=%r.example', /the token %r is not supported/],
];

for (const [args, message] of REFUSED) {
  test(`refused with file:line:col, naming it: ${args}`, (t) => {
    const { file, errors: found } = errors(args);
    t.is(found.length, 1, found.map((e) => e.format()).join('\n'));
    t.regex(found[0]!.message, message);
    t.deepEqual(found[0]!.location, { file, line: 4, col: 32 });
  });
}
