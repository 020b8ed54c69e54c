import test from 'ava';
import path from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

function load(files: Record<string, string>, source = Object.keys(files)[0]!, env: NodeJS.ProcessEnv = {}): Inventory {
  const dir = tempTree(files);
  return loadInventory(path.join(dir, source), env);
}

function errorsOf(files: Record<string, string>, source = Object.keys(files)[0]!): string[] {
  const dir = tempTree(files);
  return inputErrorsThrownBy(() => loadInventory(path.join(dir, source), {})).map((error) => error.format().replace(`${dir}/`, ''));
}

function vars(inventory: Inventory, name: string): Record<string, unknown> {
  return { ...inventory.hosts.find((host) => host.name === name)!.vars };
}

test('values on host lines and in :vars are typed as ansible-inventory types them (Python literals, else text)', (t) => {
  const inventory = load({
    'hosts.ini': lines(
      '[web]',
      `h1 a=1 b="True" c='"1"' d=yes e=1.5 f=[1,2] g=0x10 h=010 j=None l='x y' k=foo#comment m=dropped`,
      '[web:vars]',
      'v1=True',
      'v2=1',
      'v3="quoted"',
      'v4=foo # not a comment here',
      'v5=  spaced  ',
    ),
  });
  t.deepEqual(vars(inventory, 'h1'), {
    v1: true, v2: 1, v3: 'quoted', v4: 'foo # not a comment here', v5: 'spaced',
    a: 1, b: true, c: '1', d: 'yes', e: 1.5, f: [1, 2], g: 16, h: '010', j: null, k: 'foo', l: 'x y',
  });
});

test('hosts before the first section are ungrouped; a host named under ungrouped and in a group is not', (t) => {
  const inventory = load({ hosts: lines('solo', 'both', '[web]', 'both') });
  t.deepEqual(inventory.groups.get('ungrouped'), ['solo']);
  t.deepEqual(inventory.groups.get('web'), ['both']);
  const yaml = load({ 'hosts.yml': lines('ungrouped:', '  hosts: {solo: , both: }', 'web:', '  hosts: {both: }') });
  t.deepEqual(yaml.groups.get('ungrouped'), ['solo']);
});

test('a :children section may name a group defined later; :vars of a group defined later apply', (t) => {
  const inventory = load({ 'hosts.ini': lines('[prod:children]', 'web', '[web:vars]', 'color=blue', '[web]', 'w1:2222') });
  t.deepEqual(inventory.groups.get('prod'), ['w1']);
  t.like(vars(inventory, 'w1'), { color: 'blue', ansible_port: 2222 });
  t.is(inventory.hosts[0]!.connection.port, 2222);
});

test('a file without an extension is YAML when it reads as a mapping, else INI; .ini is always INI', (t) => {
  t.deepEqual(load({ hosts: lines('all:', '  hosts:', '    y1:') }).hosts.map((h) => h.name), ['y1']);
  t.deepEqual(load({ hosts: lines('i1 ansible_host=192.0.2.1') }).hosts.map((h) => h.name), ['i1']);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('i1: x') }), ["hosts.ini:1:1: host 'i1:' ends in ':' without a port number"], 'read as INI, not YAML');
});

test('mistakes in an INI inventory are errors at their file:line:col', (t) => {
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web]', 'h1 ansible_user') }), [
    "hosts.ini:2:4: expected key=value after the host name, got 'ansible_user' (a value with spaces needs quotes: key=\"a b\")",
  ]);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web:hostz]') }), ["hosts.ini:1:6: section [web:hostz] has an unknown type 'hostz': it must be [web], [web:vars] or [web:children]"]);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web]', '  h1 a="unclosed') }), ['hosts.ini:2:3: cannot read the host line: no closing quotation']);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web:vars]', 'a=1') }), [
    'hosts.ini:1:1: section [web:vars] is for a group that is never defined: add [web] or list it under a [PARENT:children]',
  ]);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[prod:children]', 'web') }), ["hosts.ini:2:1: [prod:children] names the group 'web', which is never defined (add a [web] section)"]);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web]', 'h1 __proto__=x') }), ["hosts.ini:2:4: a key named '__proto__' is not allowed"]);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web]', 'h1 n=1j') }), ['hosts.ini:2:6: n: a Python complex number (1j) is not supported as a value']);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web]', 'h1:') }), ["hosts.ini:2:1: host 'h1:' ends in ':' without a port number"]);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web]', 'h[3:1]') }), ["hosts.ini:2:1: host range '[3:1]' runs backwards"]);
  t.deepEqual(errorsOf({ 'hosts.ini': lines('[web vars]') }), ["hosts.ini:1:1: invalid section header '[web vars]': write [group], [group:vars] or [group:children], without spaces"]);
});
