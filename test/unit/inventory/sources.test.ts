import test from 'ava';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

function vars(inventory: Inventory, name: string): Record<string, unknown> {
  return { ...inventory.hosts.find((host) => host.name === name)!.vars };
}

// Checked with ansible-inventory -i a/hosts.yml -i b/hosts -i dir --list (ansible-core 2.14).
const MULTI = {
  'a/hosts.yml': lines('all:', '  children:', '    web:', '      hosts:', '        h1: {x: a-host}', '      vars: {color: a-web, shape: a-web}', '    ungrouped:', '      hosts: {h1: , h2: }'),
  'a/group_vars/web.yml': 'color: a-file-web\n',
  'a/group_vars/web.json': '{"color": "never read: web.yml comes first"}\n',
  'b/hosts': lines('[web]', 'h1 x=b-host', '[web:vars]', 'shape=b-web', '[prod:children]', 'web', '[prod:vars]', 'color=b-prod'),
  'b/group_vars/prod.yml': 'color: b-file-prod\n',
  'dir/sub/20.yml': lines('all:', '  hosts:', '    d2:'),
  'dir/README.md': 'not an inventory: skipped like Ansible does\n',
  'dir/.hidden': 'skipped\n',
};

test('several inventories merge in order, each with its group_vars, with Ansible precedence', (t) => {
  const dir = tempTree(MULTI);
  const inventory = loadInventory(['a/hosts.yml', 'b/hosts', 'dir'].map((source) => path.join(dir, source)), {});
  // b's group_vars/prod.yml comes after a's group_vars/web.yml: sources first, then groups
  t.deepEqual(vars(inventory, 'h1'), { x: 'b-host', color: 'b-file-prod', shape: 'b-web' });
  t.deepEqual(inventory.groups.get('ungrouped'), ['h2', 'd2']);
  t.deepEqual(inventory.groups.get('prod'), ['h1']);
});

test('group_vars/all.yml wins over group variables written in the inventory; host_vars over the host line', (t) => {
  const dir = tempTree({
    'hosts.ini': lines('[web]', 'w1 color=host-line', 'w2', '[web:vars]', 'color=web-vars', 'size=web-vars'),
    'group_vars/all/10.yml': 'size: all-file\n',
    'group_vars/all/20.yaml': 'size: all-file-20\n',
    'group_vars/all/ignored.txt': 'size: not read (extension)\n',
    'host_vars/w1': 'color: host-file\n',
  });
  const inventory = loadInventory(path.join(dir, 'hosts.ini'), {});
  t.deepEqual(vars(inventory, 'w1'), { color: 'host-file', size: 'all-file-20' });
  t.deepEqual(vars(inventory, 'w2'), { color: 'web-vars', size: 'all-file-20' });
});

test('a directory is read file by file in sorted order; an executable file is refused, not run', (t) => {
  const dir = tempTree({ 'inv/10-web.ini': lines('[web]', 'w1 color=first'), 'inv/20-more.yml': lines('web:', '  hosts:', '    w1: {color: second}') });
  t.is(vars(loadInventory(path.join(dir, 'inv'), {}), 'w1').color, 'second');
  chmodSync(path.join(dir, 'inv/20-more.yml'), 0o755);
  const errors = inputErrorsThrownBy(() => loadInventory(path.join(dir, 'inv'), {}));
  t.regex(errors[0]!.format(), /20-more\.yml:1:1: .*20-more\.yml is executable: Ansible would run it as an inventory script/);
});

test('a group_vars file that is not a mapping, and an inventory plugin configuration, are errors naming what they are', (t) => {
  const dir = tempTree({ 'hosts.yml': lines('all:', '  hosts: {h1: }'), 'group_vars/all.yml': '- a list\n', 'cloud/aws.yml': lines('plugin: amazon.aws.aws_ec2', 'regions: [eu-west-1]') });
  t.deepEqual(
    inputErrorsThrownBy(() => loadInventory(path.join(dir, 'hosts.yml'), {})).map((e) => e.format().replace(`${dir}/`, '')),
    ['group_vars/all.yml:1:1: group_vars/all.yml must be a mapping of variable names to values, not a list'],
  );
  t.deepEqual(
    inputErrorsThrownBy(() => loadInventory(path.join(dir, 'cloud/aws.yml'), {})).map((e) => e.format().replace(`${dir}/`, '')),
    ["cloud/aws.yml:1:1: this is the configuration of the inventory plugin 'amazon.aws.aws_ec2' (plugin: …), which clamprovision does not run: give it a static inventory (ansible-inventory -i aws.yml --list --yaml writes one)"],
  );
});

test('YAML 1.1 as Ansible reads it: yes/no/on/off are booleans, 0755 is octal, y and dates stay text', (t) => {
  const dir = tempTree({ 'hosts.yml': lines('all:', '  hosts:', '    h1: {a: yes, b: Off, c: 0755, d: y, e: 2024-01-02, f: 1:30}'), 'host_vars/h1.yml': 'g: on\n' });
  t.deepEqual(vars(loadInventory(path.join(dir, 'hosts.yml'), {}), 'h1'), { a: true, b: false, c: 493, d: 'y', e: '2024-01-02', f: 90, g: true });
});

// Checked with PyYAML 6 (yaml.safe_load), which Ansible uses: its float needs a dot, its exponent a sign
test('floats as PyYAML reads them: `.` (a source directory) and 1e3 stay text', (t) => {
  const dir = tempTree({ 'hosts.yml': lines('all:', '  hosts:', "    h1: {a: ., b: 1e3, c: 1.5e+3, d: .5, e: 1_000.5, f: -.inf, g: 1.0, h: '1.5', i: 190:20:30.15}") });
  const got = vars(loadInventory(path.join(dir, 'hosts.yml'), {}), 'h1');
  t.deepEqual({ ...got, i: Math.round((got.i as number) * 100) }, { a: '.', b: '1e3', c: 1500, d: 0.5, e: 1000.5, f: Number.NEGATIVE_INFINITY, g: 1, h: '1.5', i: 68523015 });
});

test('a duplicated host is reported with its name at the repeated key', (t) => {
  const dir = tempTree({ 'hosts.yml': lines('all:', '  hosts:', '    web1:', '    web1:') });
  t.deepEqual(
    inputErrorsThrownBy(() => loadInventory(path.join(dir, 'hosts.yml'), {})).map((e) => e.format().replace(`${dir}/`, '')),
    ["hosts.yml:4:5: duplicate key 'web1': a key may appear only once in a mapping"],
  );
});

test('a group or host whose name is no file name has no vars file: nothing outside group_vars/ and host_vars/ is read', (t) => {
  const dir = tempTree({
    'inventory/hosts.yml': lines('all:', '  children:', '    "../secret":', '      hosts:', '        "../h": {}', '    "a\\0b":', '      hosts: {h2: }'),
    'secret.yml': 'leaked: from outside group_vars\n',
    'inventory/h.yml': 'leaked: from outside host_vars\n',
  });
  const inventory = loadInventory(path.join(dir, 'inventory', 'hosts.yml'), {});
  t.is(vars(inventory, '../h').leaked, undefined);
  t.is(vars(inventory, 'h2').leaked, undefined);
});

test('an inventory script given as a file and a TOML inventory are refused with a sentence naming what they are, not read as INI', (t) => {
  const dir = tempTree({ 'inventory.py': lines('#!/usr/bin/env python3', 'print("{}")'), 'hosts.toml': lines('[web.hosts.w1]', 'color = "blue"') });
  chmodSync(path.join(dir, 'inventory.py'), 0o755);
  t.deepEqual(
    inputErrorsThrownBy(() => loadInventory(path.join(dir, 'inventory.py'), {})).map((e) => e.format().replace(`${dir}/`, '')),
    ['inventory.py:1:1: inventory.py is an inventory script (executable, starting with #!), which clamprovision does not run: save what it prints with `ansible-inventory -i inventory.py --list --yaml > inventory.yml`'],
  );
  t.deepEqual(
    inputErrorsThrownBy(() => loadInventory(path.join(dir, 'hosts.toml'), {})).map((e) => e.format().replace(`${dir}/`, '')),
    ['hosts.toml:1:1: hosts.toml is a TOML inventory, which clamprovision does not read: convert it with `ansible-inventory -i hosts.toml --list --yaml > inventory.yml`'],
  );
});

test('a YAML date and time is the text Python gives the datetime PyYAML makes of it; an impossible one is refused; a date stays as written', (t) => {
  const dir = tempTree({
    'hosts.yml': lines('all:', '  hosts:', '    h1:', '      utc: 2017-03-07T10:20:49Z', '      offset: 2001-12-14 21:59:43.10 -5', '      naive: 2001-12-14t21:59:43', '      day: 2017-03-07', '      odd: 2017-02-15 12:11:32 -0600', '      quoted: "2017-03-07T10:20:49Z"'),
  });
  t.deepEqual(vars(loadInventory(path.join(dir, 'hosts.yml'), {}), 'h1'), {
    utc: '2017-03-07 10:20:49+00:00',
    offset: '2001-12-14 21:59:43.100000-05:00',
    naive: '2001-12-14 21:59:43',
    day: '2017-03-07',
    odd: '2017-02-15 12:11:32 -0600',
    quoted: '2017-03-07T10:20:49Z',
  });
  const bad = tempTree({ 'hosts.yml': lines('all:', '  hosts:', '    h1:', '      when: 2017-13-07 10:20:49') });
  t.deepEqual(
    inputErrorsThrownBy(() => loadInventory(path.join(bad, 'hosts.yml'), {})).map((e) => e.format().replace(`${bad}/`, '')),
    ["hosts.yml:4:13: '2017-13-07 10:20:49' is not a valid date and time: quote it to keep it as text"],
  );
});

test('a value tagged !unsafe is taken literally: neither {{ }} nor ${NAME} in it is resolved; untagged, both are', (t) => {
  const dir = tempTree({
    'hosts.yml': lines('all:', '  hosts:', '    h1:', "      zabbix: !unsafe 'net.if.out[{#IFNAME}] {{ raw }}'", "      home: !unsafe '${HOME}'", '      items: [!unsafe "{{ x }}", "{{ inventory_hostname }}"]', '      name: "{{ inventory_hostname }}"'),
    'group_vars/all.yml': lines('shell_path: !unsafe ${PATH}'),
  });
  t.deepEqual(vars(loadInventory(path.join(dir, 'hosts.yml'), { HOME: '/home/me', PATH: '/usr/bin' }), 'h1'), {
    zabbix: 'net.if.out[{#IFNAME}] {{ raw }}',
    home: '${HOME}',
    items: ['{{ x }}', 'h1'],
    name: 'h1',
    shell_path: '${PATH}',
  });
  const whole = tempTree({ 'hosts.yml': lines('all:', '  hosts:', '    h1:', '      list: !unsafe [a, b]') });
  t.regex(inputErrorsThrownBy(() => loadInventory(path.join(whole, 'hosts.yml'), {}))[0]!.format(), /hosts\.yml:4:13: !unsafe is supported on single values \(text\), not on a list or mapping/);
});

// Checked with ansible-inventory -i a/hosts -i b/hosts --list (ansible-core 2.14, vars plugins run on demand).
test("one inventory's group_vars and host_vars apply to groups and hosts that only a later inventory defines", (t) => {
  const dir = tempTree({ 'a/hosts': lines('[web]', 'h1'), 'a/group_vars/db.yml': 'x: from-a\n', 'a/host_vars/h2.yml': 'y: from-a\n', 'b/hosts': lines('[db]', 'h1', 'h2') });
  const inventory = loadInventory([path.join(dir, 'a/hosts'), path.join(dir, 'b/hosts')], {});
  t.deepEqual(vars(inventory, 'h1'), { x: 'from-a' });
  t.deepEqual(vars(inventory, 'h2'), { x: 'from-a', y: 'from-a' });
});
