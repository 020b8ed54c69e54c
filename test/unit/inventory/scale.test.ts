/** Issue 18, point 4: inventories up to 100,000 hosts load; past that they are refused with a position. */
import test from 'ava';
import path from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import { lines, tempTree } from '../input/temp-files.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';

const services = ['  vars:', '    services:', '      - {name: demo, wsgi: /opt/demo/demo.wsgi}'];

function errorsOf(file: string, text: string): string[] {
  const dir = tempTree({ [file]: text });
  return inputErrorsThrownBy(() => loadInventory(path.join(dir, file), {})).map((error) => error.format().replace(`${dir}/`, ''));
}

test('a range of 100,001 hosts is refused at the range, before it is expanded', (t) => {
  const started = process.cpuUsage();
  t.deepEqual(errorsOf('inventory.yml', lines('all:', '  hosts:', '    web1:', '    web[0:100000]:', ...services)), [
    "inventory.yml:4:5: host pattern 'web[0:100000]' names 100001 hosts: at most 100000 are allowed",
  ]);
  const used = process.cpuUsage(started);
  t.true(used.user + used.system < 1e6, 'refused without expanding the range');
});

test('a product of ranges is counted as the hosts it names', (t) => {
  t.deepEqual(errorsOf('hosts.ini', lines('[web]', 'w1', 'web[1:101]-[1:1000].example.org ansible_port=2222')), [
    "hosts.ini:3:1: host pattern 'web[1:101]-[1:1000].example.org' names 101000 hosts: at most 100000 are allowed",
  ]);
});

test('ranges under the limit each, over it together, are refused once, where the limit is passed', (t) => {
  t.deepEqual(errorsOf('inventory.yml', lines('all:', '  hosts:', '    web[1:60000]:', '    db[1:40000]:', '    cache[1:2]:', '    more[1:2]:', ...services)), [
    'inventory.yml:5:5: more than 100000 hosts in the inventory: at most 100000 are allowed',
  ]);
});
