/**
 * Issue 18, point 4: inventories up to 100,000 hosts load, in memory that grows by little per host;
 * past that they are refused with a position; validate's work grows linearly with the hosts.
 */
import test from 'ava';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { checkRun } from '../../../src/commands/prepare.js';
import { withRunMemo } from '../../../src/input/run-memo.js';
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

/** A 100,000-host inventory's memory is measured after a full garbage collection. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

test.serial('a range of 100,000 hosts loads in less than 400 MB (bytes per host, not a copy of every variable)', (t) => {
  const dir = tempTree({ 'inventory.yml': lines('all:', '  hosts:', '    web[1:100000].example.org:', ...services, '    webserver: nginx') });
  const before = heapUsed();
  const inventory = withRunMemo(() => loadInventory(path.join(dir, 'inventory.yml'), {}));
  const grown = heapUsed() - before;
  t.is(inventory.hosts.length, 100_000);
  t.is(inventory.hosts.at(-1)?.name, 'web100000.example.org');
  t.log(`${Math.round(grown / 1e6)} MB of heap for 100,000 hosts`);
  t.true(grown < 400e6, `${Math.round(grown / 1e6)} MB for 100,000 hosts`);
});

/** A realistic inventory: nginx and one service from a directory, as in the README's first example. */
function inventoryOf(hosts: number): string {
  const names = Array.from({ length: hosts }, (_, i) => `    web${i + 1}.example.org: {ansible_host: 10.0.${i >> 8}.${i & 255}}`);
  const hello = path.resolve('examples/hello');
  const dir = tempTree({ 'inventory.yml': lines('all:', '  vars:', '    webserver: nginx', '    services:', `      - {name: hello, source: ${hello}, wsgi: hello.wsgi, url_prefix: /hello}`, '  hosts:', ...names) });
  return path.join(dir, 'inventory.yml');
}

function validateCpuSeconds(inventory: string): number {
  const started = process.cpuUsage();
  let tasks = 0;
  checkRun({ inventory }, (_host, plays) => (tasks += plays.reduce((n, play) => n + play.tasks.length, 0)));
  const used = process.cpuUsage(started);
  if (tasks === 0) throw new Error('no task was compiled');
  return (used.user + used.system) / 1e6;
}

test.serial('validate of 8 times the hosts takes less than 12 times the CPU (linear: 8; quadratic: 64)', (t) => {
  registerBuiltinPlugins();
  const small = inventoryOf(150);
  const large = inventoryOf(1200);
  validateCpuSeconds(small); // compiles the code on the way, which the first run would pay alone
  const smallCpu = Math.min(validateCpuSeconds(small), validateCpuSeconds(small));
  // the least of two runs each: another process on the same core inflates CPU time too
  const largeCpu = Math.min(validateCpuSeconds(large), validateCpuSeconds(large));
  t.log(`150 hosts: ${smallCpu.toFixed(2)} s CPU, 1,200 hosts: ${largeCpu.toFixed(2)} s CPU (${(largeCpu / smallCpu).toFixed(1)}x)`);
  t.true(largeCpu < 12 * smallCpu, `${largeCpu.toFixed(2)} s for 1,200 hosts, ${smallCpu.toFixed(2)} s for 150`);
});
