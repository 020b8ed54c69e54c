/**
 * A service's derived values are reused from an earlier host of the run only where every input
 * they depend on is the same: each host of an inventory whose neighbours differ in one such input
 * gets in one run the services it gets alone, public URL included.
 */
import test from 'ava';
import path from 'node:path';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { prepareRun } from '../../../src/commands/prepare.js';
import type { CompiledPlay } from '../../../src/playbook/types.js';
import { eachHostAsAlone } from '../../helpers/each-host-alone.js';
import { lines, tempTree } from '../input/temp-files.js';

const hello = path.resolve('examples/hello');
const shout = path.resolve('examples/shout');
const helloService = `{name: hello, source: ${hello}, wsgi: hello.wsgi, url_prefix: /hello}`;
const shoutService = `{name: shout, source: ${shout}, wsgi: shout.wsgi, url_prefix: /shout, pip_packages: [clam], secrets: [KEY], env: {KEY: s3cret-value}}`;

const INVENTORY = lines(
  'all:',
  '  vars:',
  `    services: [${helloService}, ${shoutService}]`,
  '  hosts:',
  '    b1: {ansible_host: 10.0.0.1}',
  '    b2: {ansible_host: 10.0.0.2}',
  '    b3: {server_name: b3.example.org}',
  '    b4: {http_port: 8080}',
  '    b5: {public_url: "https://clam.example.org/"}',
  '    b6: {webserver: apache-wsgi}',
  '    b7: {server_side_xslt: false}',
  "    b8: {auth: {users: {alice: pw-of-alice}, public: ['/shout/static']}}",
  '    b9: {ansible_host: 10.0.0.9}',
);

/** The services a host's play sees, and the public URLs its tasks were compiled with. */
function services(plays: CompiledPlay[] | undefined): string {
  const scope = plays?.[0]?.tasks[0]?.scope ?? {};
  return JSON.stringify([scope.services, scope.clam_checks, scope.public_origin]);
}

test('every host gets in one run the services it gets alone', (t) => {
  registerBuiltinPlugins();
  const inventory = path.join(tempTree({ 'inventory.yml': INVENTORY }), 'inventory.yml');
  const together = eachHostAsAlone(t, inventory, 9, services);
  const b1 = JSON.parse(services(together.plays.get('b1'))) as [Array<{ public_url: string; env: Record<string, string> }>];
  const b2 = JSON.parse(services(together.plays.get('b2'))) as [Array<{ public_url: string; env: Record<string, string> }>];
  t.is(b1[0][1]!.public_url, 'http://b1/shout');
  t.is(b2[0][1]!.public_url, 'http://b2/shout');
  t.is(b2[0][1]!.env.CLAMFORCEURL, 'http://b2/shout', 'CLAMFORCEURL follows the host');
  t.deepEqual(Object.keys(b2[0][1]!.env), Object.keys(b1[0][1]!.env), 'in the same place');
});

test('a derivation with a problem is not reused: each host is named in its own error', (t) => {
  registerBuiltinPlugins();
  const inventory = path.join(
    tempTree({
      'inventory.yml': lines('all:', '  vars:', '    services: [{name: hello, source: ./missing, wsgi: hello.wsgi}]', '  hosts:', '    c1: {}', '    c2: {}'),
    }),
    'inventory.yml',
  );
  const error = t.throws(() => prepareRun({ inventory }));
  t.regex(String(error?.message ?? error), /c1/);
  const messages = ((error as { errors?: Error[] }).errors ?? [error!]).map((e) => e.message).join('\n');
  t.regex(messages, /host 'c1'/);
  t.regex(messages, /host 'c2'/);
});
