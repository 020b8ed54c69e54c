/**
 * nginx on trixie, with TLS: HTTPS on 443 from the given files, HTTP redirected, both prefixes;
 * then a service removed from the inventory.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'ava';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import {
  apply,
  changedTasks,
  explain,
  hello,
  httpGet,
  httpsGet,
  ipv4Rules,
  mainPid,
  onHost,
  processUser,
  tcpReachable,
  ufwStatus,
  unitState,
  writeInventory,
} from './helpers.js';
import { testTempDir } from '../helpers/temp-dir.js';

const HOST = 'e2e-nginx-trixie';
let host: LabHost;
let inventory: string;
let tlsFiles: { cert: string; key: string };

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

test.before(async () => {
  if (!labAvailable) return;
  const dir = testTempDir('tls');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=clam.test',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  tlsFiles = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  host = (await labHosts([HOST], { suite: 'trixie', fresh: true }))[0]!;
  inventory = writeInventory([host], {
    webserver: 'nginx',
    server_name: 'clam.test',
    tls: tlsFiles,
    services: [hello('hello', '/'), hello('hello2', '/hello', { env: { GREETING: 'on trixie $HOME' } })],
  });
});

serial('first apply: HTTPS serves both services, HTTP redirects to HTTPS', async (t) => {
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.is(await onHost(host, '. /etc/os-release && echo $VERSION_CODENAME'), 'trixie');

  t.deepEqual(await httpsGet(`https://${host.address}/foo`), { status: 200, body: 'SCRIPT_NAME=\nPATH_INFO=/foo\n' });
  t.deepEqual(await httpsGet(`https://${host.address}/hello/foo`), { status: 200, body: 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=on trixie $HOME\n' });

  const redirect = await httpGet(`http://${host.address}/hello/foo?x=1`);
  t.is(redirect.status, 301);
  t.is(redirect.headers.get('location'), `https://${host.address}/hello/foo?x=1`);
});

serial('the key is readable by root only; ufw allows SSH, HTTP and HTTPS; uWSGI is not reachable', async (t) => {
  t.is(await onHost(host, 'stat -c %U:%a /etc/clam/tls/key.pem'), 'root:600');
  const ufw = await ufwStatus(host);
  t.true(ufw.active);
  t.deepEqual(ipv4Rules(ufw.rules), ['22/tcp ALLOW IN Anywhere', '443/tcp ALLOW IN Anywhere', '80/tcp ALLOW IN Anywhere']);
  t.false(await tcpReachable(host.address, 8888));
  t.is(await processUser(host, await mainPid(host, 'clam-hello2')), 'clam');
});

serial('a second apply changes nothing', async (t) => {
  const pids = [await mainPid(host, 'nginx'), await mainPid(host, 'clam-hello'), await mainPid(host, 'clam-hello2')];
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.deepEqual(changedTasks(result, HOST), []);
  t.deepEqual([await mainPid(host, 'nginx'), await mainPid(host, 'clam-hello'), await mainPid(host, 'clam-hello2')], pids);
});

serial("a service removed from the inventory is stopped and disabled, freeing its port for the others; its data stays", async (t) => {
  await onHost(host, "echo kept > /var/lib/clam/hello/keep.txt");
  const only = writeInventory([host], {
    webserver: 'nginx',
    server_name: 'clam.test',
    tls: tlsFiles,
    services: [hello('hello2', '/hello', { env: { GREETING: 'on trixie $HOME' } })],
  });
  const result = await apply(only);
  t.is(result.code, 0, explain(result));
  t.deepEqual(await unitState(host, 'clam-hello'), { active: 'inactive', enabled: 'disabled' });
  // hello2, now the first service, moves to the first default port, which the old unit freed
  const listening = await onHost(host, 'ss -Hltnp');
  t.notRegex(listening, /127\.0\.0\.1:8889\b/);
  t.regex(listening, new RegExp(`127\\.0\\.0\\.1:8888\\b.*pid=${await mainPid(host, 'clam-hello2')},`));
  t.is((await httpsGet(`https://${host.address}/foo`)).status, 404, 'nothing is served at the root any more');
  t.is((await httpsGet(`https://${host.address}/hello/foo`)).status, 200);
  t.is(await onHost(host, 'cat /var/lib/clam/hello/keep.txt'), 'kept');

  const again = await apply(only);
  t.is(again.code, 0, explain(again));
  t.deepEqual(changedTasks(again, HOST), []);
});
