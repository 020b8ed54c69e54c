import test from 'ava';
import path from 'node:path';
import { secrets } from '../../../src/core/secrets.js';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

function load(text: string, env: NodeJS.ProcessEnv = {}): Inventory {
  return loadInventory(path.join(tempTree({ 'hosts.yml': text }), 'hosts.yml'), env);
}

function errorsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const dir = tempTree({ 'hosts.yml': text });
  return inputErrorsThrownBy(() => loadInventory(path.join(dir, 'hosts.yml'), env)).map((e) => e.format().replace(`${dir}/`, ''));
}

test('{{ other_var }}, {{ inventory_hostname }} and {{ lookup("env", …) }} are resolved per host', (t) => {
  const inventory = load(
    lines(
      'all:',
      '  vars:',
      '    domain: example.org',
      '    server_name: "{{ inventory_hostname }}.{{ domain }}"',
      '    base_port: 2200',
      '    ansible_port: "{{ base_port }}"',
      '    ansible_become_password: "{{ lookup(\'env\', \'DEPLOY_PASSWORD\') }}"',
      '    services: [{name: s, env: {HOME_OF: "{{ inventory_hostname_short }}"}}]',
      '  hosts:',
      '    web1.lan:',
      '    web2.lan: {domain: example.com}',
    ),
    { DEPLOY_PASSWORD: 'sudo-pw-8842' },
  );
  const [web1, web2] = inventory.hosts;
  t.is(web1!.vars.server_name, 'web1.lan.example.org');
  t.is(web2!.vars.server_name, 'web2.lan.example.com');
  t.is(web1!.vars.ansible_port, 2200, 'a whole {{ var }} keeps its type');
  t.is(web1!.connection.port, 2200);
  t.is(web1!.connection.becomePassword, 'sudo-pw-8842');
  t.deepEqual(web2!.vars.services, [{ name: 's', env: { HOME_OF: 'web2' } }]);
  t.is(secrets.mask('sudo-pw-8842'), '********');
});

test('anything else in {{ }} is an error at its value, never taken literally', (t) => {
  t.deepEqual(
    errorsOf(
      lines(
        'all:',
        '  hosts:',
        '    h1:',
        '      a: "{{ name | upper }}"',
        '      b: ["{{ missing }}"]',
        '      c: "{{ lookup(\'env\', \'NOT_SET\') }}"',
        '      d: "{% if x %}y{% endif %}"',
        '      e: "{{ f }}"',
        '      f: "{{ e }}"',
      ),
    ),
    [
      "hosts.yml:4:10: a: '{{ name | upper }}' is not supported in an inventory: only {{ variable }}, {{ inventory_hostname }} and {{ lookup('env', 'NAME') }} are resolved",
      "hosts.yml:5:11: b: '{{ missing }}' names no variable of this host",
      "hosts.yml:6:10: c: environment variable NOT_SET is not set (read by lookup('env', 'NOT_SET'))",
      'hosts.yml:7:10: d: Jinja statements and comments ({% … %}, {# … #}) are not supported in an inventory',
      "hosts.yml:9:10: 'e' refers to itself: e -> f -> e",
    ],
  );
});
