/**
 * Issue 18, point 4: what a run reuses from one host for the next (the CLAM vars parse, module
 * argument checks, template renderings) never changes what a host gets.
 */
import test from 'ava';
import path from 'node:path';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import type { CompiledPlay } from '../../../src/playbook/types.js';
import { eachHostAsAlone } from '../../helpers/each-host-alone.js';
import { lines, tempTree } from '../input/temp-files.js';

const hello = path.resolve('examples/hello');
const shout = path.resolve('examples/shout');
const helloService = `{name: hello, source: ${hello}, wsgi: hello.wsgi, url_prefix: /hello}`;
const shoutService = `{name: shout, source: ${shout}, wsgi: shout.wsgi, url_prefix: /shout, pip_packages: [clam]}`;

// neighbours that differ in one value each, and hosts equal to an earlier one
const INVENTORY = lines(
  'all:',
  '  vars:',
  '    webserver: nginx',
  `    services: [${helloService}]`,
  '  hosts:',
  '    a1: {ansible_host: 10.0.0.1}',
  '    a2: {ansible_host: 10.0.0.2, server_name: a2.example.org}',
  '    a3: {ansible_host: 10.0.0.3, http_port: 8080}',
  `    a4: {services: [{name: hello, source: ${hello}, wsgi: hello.wsgi, url_prefix: /hello, processes: 4}, ${shoutService}]}`,
  '    a5: {ansible_host: 10.0.0.5}',
  `    a6: {services: [${shoutService}], server_name: s.example.org}`,
  `    a7: {services: [${shoutService}], server_name: t.example.org}`,
  '    a8: {webserver: apache-uwsgi}',
  '    a9: {webserver: apache-wsgi, firewall: false}',
);

/** What a host will do: every task's and handler's name and arguments (uploaded bytes as their length). */
function work(plays: CompiledPlay[] | undefined): string {
  const tasks = (plays ?? []).flatMap((play) => [...play.tasks, ...play.handlers.values()]);
  return JSON.stringify(
    tasks.map((task) => [task.name, task.kind === 'module' ? task.args : null]),
    (_key, value: unknown) => (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' ? `${(value as { data: unknown[] }).data.length} bytes` : value),
  );
}

test('every host gets in one run what it gets in a run of its own', (t) => {
  registerBuiltinPlugins();
  const inventory = path.join(tempTree({ 'inventory.yml': INVENTORY }), 'inventory.yml');
  const together = eachHostAsAlone(t, inventory, 9, work);
  t.not(work(together.plays.get('a1')), work(together.plays.get('a5')), 'hosts differ at least in their names');
});

test('after many hosts that each got new arguments and texts (each names itself), every host still gets what it gets alone', (t) => {
  registerBuiltinPlugins();
  const many = Array.from({ length: 40 }, (_, i) => `    f${i}: {ansible_host: 10.0.1.${i}}`);
  const inventory = path.join(tempTree({ 'inventory.yml': INVENTORY.replace('  hosts:\n', `  hosts:\n${many.join('\n')}\n`) }), 'inventory.yml');
  eachHostAsAlone(t, inventory, 49, work);
});
