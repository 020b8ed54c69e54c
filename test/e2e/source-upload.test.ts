/**
 * What a service's source leaves behind on the controller: the wizard writes inventory.yml into the
 * service's own directory (`source: .`), next to a `.env`, a `.git` and a virtualenv. None of them
 * reaches the host, and editing them plans no change. Apache + mod_wsgi keeps this host quick (no
 * uWSGI to build).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { labAvailable, labHosts, labInventoryYaml, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { apply, changedTasks, cli, explain, helloSource, httpGet, onHost } from './helpers.js';
import { testTempDir } from '../helpers/temp-dir.js';

const HOST = 'e2e-source-upload';
let host: LabHost;
let source: string;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

function writeInventoryInSource(comment: string): string {
  const inventory = join(source, 'inventory.yml');
  const services = [{ name: 'hello', source: '.', wsgi: 'hello.wsgi', url_prefix: '/hello' }];
  writeFileSync(inventory, `# ${comment}\n${labInventoryYaml([host], { webserver: 'apache-wsgi', services })}`);
  return inventory;
}

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
  source = testTempDir('source');
  cpSync(helloSource, source, { recursive: true });
  writeFileSync(join(source, '.env'), 'DATABASE_PASSWORD=not-for-the-server\n');
  mkdirSync(join(source, '.git'));
  writeFileSync(join(source, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(source, 'venv', 'bin'), { recursive: true });
  writeFileSync(join(source, 'venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
});

serial('the inventory, .env, .git and a virtualenv in the source directory are not uploaded', async (t) => {
  const result = await apply(writeInventoryInSource('first'));
  t.is(result.code, 0, explain(result));
  t.is((await httpGet(`http://${host.address}/hello/foo`)).status, 200);
  const uploaded = (await onHost(host, 'cd /opt/clam/hello/current/src && find . -mindepth 1 | sort')).split('\n');
  t.true(uploaded.includes('./hello.wsgi'), uploaded.join(' '));
  for (const left of ['./inventory.yml', './.env', './.git', './venv']) t.false(uploaded.includes(left), `${left} is on the host`);
  t.is(await onHost(host, 'grep -rl not-for-the-server /opt/clam /etc/clam || true'), '');
});

serial('editing the inventory and .env in the source plans no change and restarts nothing', async (t) => {
  writeFileSync(join(source, '.env'), 'DATABASE_PASSWORD=changed\n');
  const inventory = writeInventoryInSource('a comment edited');
  const plan = await cli(['plan', inventory]);
  t.is(plan.code, 0, explain(plan));
  const again = await apply(inventory);
  t.is(again.code, 0, explain(again));
  t.deepEqual(changedTasks(again, HOST), []);
});
