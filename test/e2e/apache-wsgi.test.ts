/** Apache + mod_wsgi (daemon mode, no uWSGI) on bookworm: two services at / and /hello. */
import test from 'ava';
import { labAvailable, labHosts, labUnavailableReason, type LabHost } from '../lab/hosts.js';
import { apply, changedTasks, childPids, explain, hello, httpGet, ipv4Rules, mainPid, onHost, ufwStatus, writeInventory } from './helpers.js';

const HOST = 'e2e-apache-wsgi';
let host: LabHost;
let inventory: string;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
  inventory = writeInventory([host], {
    webserver: 'apache-wsgi',
    services: [hello('hello', '/'), hello('hello2', '/hello', { env: { GREETING: `mod_wsgi's "env" $(HOME) 100%` } })],
  });
});

serial('first apply: both services answer through mod_wsgi with the right SCRIPT_NAME and PATH_INFO', async (t) => {
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.is((await httpGet(`http://${host.address}/foo`)).body, 'SCRIPT_NAME=\nPATH_INFO=/foo\n');
  const prefixed = await httpGet(`http://${host.address}/hello/foo`);
  t.is(prefixed.status, 200);
  t.is(prefixed.body, `SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=mod_wsgi's "env" $(HOME) 100%\n`);
});

serial('the daemon processes run as clam; there is no uWSGI and no clam-NAME unit', async (t) => {
  const daemons = await onHost(host, "ps -eo user=,args= | grep '[(]wsgi:clam-' || true");
  const lines = daemons.split('\n').filter(Boolean);
  // display-name=%{GROUP}: "(wsgi:GROUP)", cut to the length of Apache's own command name
  t.true(lines.some((line) => line.includes('(wsgi:clam-hello)')), daemons);
  t.true(lines.some((line) => line.includes('(wsgi:clam-hello2')), daemons);
  t.true(lines.every((line) => line.startsWith('clam ')), daemons);
  t.is(await onHost(host, 'pgrep -c uwsgi || true'), '0');
  t.is(await onHost(host, 'systemctl show -p LoadState --value clam-hello'), 'not-found');
  t.is(await onHost(host, 'stat -c %U:%G:%a /etc/clam/hello2/app.wsgi'), 'root:clam:640');
});

serial('ufw allows exactly SSH and HTTP', async (t) => {
  const ufw = await ufwStatus(host);
  t.true(ufw.active);
  t.deepEqual(ipv4Rules(ufw.rules), ['22/tcp ALLOW IN Anywhere', '80/tcp ALLOW IN Anywhere']);
});

serial('a second apply changes nothing and does not reload Apache', async (t) => {
  const apachePid = await mainPid(host, 'apache2');
  const children = await childPids(host, apachePid);
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.deepEqual(changedTasks(result, HOST), []);
  t.is(await mainPid(host, 'apache2'), apachePid);
  t.deepEqual(await childPids(host, apachePid), children);
});

serial("changing one service's env restarts its daemon only, without reloading Apache", async (t) => {
  const apachePid = await mainPid(host, 'apache2');
  const daemonPids = async (pattern: string) => onHost(host, `pgrep -f '^\\(wsgi:${pattern}' | sort | tr '\\n' ' '`);
  const helloDaemons = await daemonPids('clam-hello\\)');
  const hello2Daemons = await daemonPids('clam-hello2');
  const changed = writeInventory([host], {
    webserver: 'apache-wsgi',
    services: [hello('hello', '/'), hello('hello2', '/hello', { env: { GREETING: 'changed' } })],
  });
  const result = await apply(changed);
  t.is(result.code, 0, explain(result));
  t.false(changedTasks(result, HOST).includes('reload apache2'));
  t.is(await mainPid(host, 'apache2'), apachePid);
  t.is((await httpGet(`http://${host.address}/hello/foo`)).body, 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=changed\n');
  t.not(await daemonPids('clam-hello2'), hello2Daemons, 'the changed service runs in new daemon processes');
  t.is(await daemonPids('clam-hello\\)'), helloDaemons, 'the other service kept its daemon processes');
});
