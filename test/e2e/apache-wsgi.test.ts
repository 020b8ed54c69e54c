/** Apache + mod_wsgi (daemon mode, no uWSGI) on bookworm: two services at / and /hello. */
import test, { type ExecutionContext } from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { waitFor } from '../faults/helpers.js';
import { apply, changedTasks, explain, hello, helloSource, apacheMainPid, httpGet, ipv4Rules, onHost, ufwStatus, writeInventory } from './helpers.js';
import { testTempDir } from '../helpers/temp-dir.js';

const HOST = 'e2e-apache-wsgi';
let host: LabHost;
let inventory: string;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
  inventory = writeInventory([host], {
    webserver: 'apache-wsgi',
    services: [hello('hello', '/'), hello('hello2', '/hello', { env: { GREETING: `mod_wsgi's "env" $(HOME) 100%` } })],
  });
});

/**
 * What a reload of Apache changes, whatever MainPID says (a graceful reload keeps the main process):
 * the graceful restarts logged in its error log, and its worker processes (the children that are not
 * mod_wsgi daemons), which a graceful restart replaces, all of them. (Apache also starts and stops
 * workers by itself as the load changes, so "the same workers" would be too strict: one survivor
 * proves there was no restart.)
 */
interface ApacheGeneration {
  restartsLogged: number;
  workers: number[];
}

async function apacheGeneration(): Promise<ApacheGeneration> {
  const restartsLogged = Number(await onHost(host, "grep -c 'SIGUSR1 received\\|SIGHUP received\\|SIGWINCH received' /var/log/apache2/error.log || true"));
  const main = await apacheMainPid(host);
  const workers = (await onHost(host, `ps --ppid ${main} -o pid=,args= | grep -v '(wsgi:' | awk '{print $1}'`)).split('\n').filter(Boolean).map(Number);
  return { restartsLogged, workers };
}

function assertNotReloaded(t: ExecutionContext, before: ApacheGeneration, after: ApacheGeneration): void {
  t.is(after.restartsLogged, before.restartsLogged, 'no graceful restart in the error log');
  const survivors = before.workers.filter((pid) => after.workers.includes(pid));
  t.true(survivors.length > 0, `a worker process from before is still there (before ${before.workers.join(' ')}, after ${after.workers.join(' ')})`);
}

/**
 * The daemon processes of a service's mod_wsgi group ('clam-hello\\)' or 'clam-hello2'), as one string.
 * mod_wsgi replaces a group's process on its first request after the entry point was touched, at its
 * own time: the tests wait for a new one.
 */
const daemonPids = (pattern: string) => onHost(host, `pgrep -f '^\\(wsgi:${pattern}' | sort | tr '\\n' ' '`);

/**
 * Whether hello2's group runs in a process that is not one of `before`. mod_wsgi replaces a process
 * on a request after the touch, at its own pace (on a busy machine the old process first finishes
 * its shutdown): each look sends hello2 a request, as its users would.
 */
async function hello2Replaced(before: string): Promise<boolean> {
  await httpGet(`http://${host.address}/hello/foo`).catch(() => undefined);
  const old = before.split(' ').filter(Boolean);
  return (await daemonPids('clam-hello2')).split(' ').filter(Boolean).some((pid) => !old.includes(pid));
}

const waitForNewHello2Daemon = (before: string) =>
  waitFor('the changed service to run in a new daemon process', () => hello2Replaced(before), 90_000, 1000);

/** hello2's source, once the code test changed it */
let codeChanged = helloSource;

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
  const apachePid = await apacheMainPid(host);
  const before = await apacheGeneration();
  t.true(before.workers.length > 0, 'Apache has worker processes to compare');
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.deepEqual(changedTasks(result, HOST), []);
  t.is(await apacheMainPid(host), apachePid);
  assertNotReloaded(t, before, await apacheGeneration());
});

serial("changing one service's env restarts its daemon only, without reloading Apache", async (t) => {
  const apachePid = await apacheMainPid(host);
  const before = await apacheGeneration();
  const helloDaemons = await daemonPids('clam-hello\\)');
  const hello2Daemons = await daemonPids('clam-hello2');
  const changed = writeInventory([host], {
    webserver: 'apache-wsgi',
    services: [hello('hello', '/'), hello('hello2', '/hello', { env: { GREETING: 'changed' } })],
  });
  const result = await apply(changed);
  t.is(result.code, 0, explain(result));
  t.false(changedTasks(result, HOST).includes('reload apache2'));
  t.is(await apacheMainPid(host), apachePid);
  assertNotReloaded(t, before, await apacheGeneration());
  t.is((await httpGet(`http://${host.address}/hello/foo`)).body, 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=changed\n');
  await waitForNewHello2Daemon(hello2Daemons);
  t.is(await daemonPids('clam-hello\\)'), helloDaemons, 'the other service kept its daemon processes');
});


/** The inventory of the tests below: hello unchanged, hello2 as given. */
function withHello2(extra: Record<string, unknown>): string {
  return writeInventory([host], {
    webserver: 'apache-wsgi',
    services: [hello('hello', '/'), hello('hello2', '/hello', { env: { GREETING: 'changed' }, ...extra })],
  });
}

serial("changing one service's code restarts its daemon only, without reloading Apache", async (t) => {
  const source = testTempDir('hello-code');
  cpSync(helloSource, source, { recursive: true });
  const script = join(source, 'hello.wsgi');
  writeFileSync(script, readFileSync(script, 'utf8').replace('    data = ', '    lines.append("CODE=changed")\n    data = '));
  const before = await apacheGeneration();
  const helloDaemons = await daemonPids('clam-hello\\)');
  const hello2Daemons = await daemonPids('clam-hello2');
  const result = await apply(withHello2({ source }));
  t.is(result.code, 0, explain(result));
  codeChanged = source;
  t.true(changedTasks(result, HOST).includes('Upload the source of hello2'), changedTasks(result, HOST).join('\n'));
  t.true(changedTasks(result, HOST).includes('restart mod_wsgi daemons of hello2'));
  t.false(changedTasks(result, HOST).some((task) => /of hello$/.test(task)), 'nothing of hello changed');
  t.is((await httpGet(`http://${host.address}/hello/foo`)).body, 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=changed\nCODE=changed\n');
  await waitForNewHello2Daemon(hello2Daemons);
  t.is(await daemonPids('clam-hello\\)'), helloDaemons, 'the other service kept its daemon processes');
  assertNotReloaded(t, before, await apacheGeneration());
});

serial("changing one service's virtualenv restarts its daemon only, without reloading Apache", async (t) => {
  const before = await apacheGeneration();
  const helloDaemons = await daemonPids('clam-hello\\)');
  const hello2Daemons = await daemonPids('clam-hello2');
  t.is((await sshExec(host, '/opt/clam/hello2/current/venv/bin/python -c "import wheel"')).code, 1, 'wheel is not in the virtualenv before');
  const result = await apply(withHello2({ source: codeChanged, pip_packages: ['wheel'] }));
  t.is(result.code, 0, explain(result));
  // a new virtualenv is a new release of hello2 (its code and packages), switched to and restarted
  const changed = changedTasks(result, HOST);
  const release = /^Switch hello2 to release ([0-9a-f]{12})$/.exec(changed.find((task) => task.startsWith('Switch hello2')) ?? '')?.[1];
  t.truthy(release, changed.join('\n'));
  t.deepEqual(changed, [
    `Release ${release} of hello2`,
    `Source directory of hello2's release ${release} (uWSGI's chdir, mod_wsgi's home)`,
    'Upload the source of hello2',
    'Python packages of hello2',
    `Switch hello2 to release ${release}`,
    'restart mod_wsgi daemons of hello2',
  ]);
  t.is(await onHost(host, '/opt/clam/hello2/current/venv/bin/python -c "import wheel; print(1)"'), '1');
  t.is((await httpGet(`http://${host.address}/hello/foo`)).status, 200);
  await waitForNewHello2Daemon(hello2Daemons);
  t.is(await daemonPids('clam-hello\\)'), helloDaemons, 'the other service kept its daemon processes');
  assertNotReloaded(t, before, await apacheGeneration());

  const again = await apply(withHello2({ source: codeChanged, pip_packages: ['wheel'] }));
  t.deepEqual(changedTasks(again, HOST), [], 'unchanged code and virtualenv restart nothing');
});

serial('control: a reload of Apache is seen by these checks (a graceful restart logged, new worker processes)', async (t) => {
  const before = await apacheGeneration();
  await onHost(host, 'systemctl reload apache2');
  // the old workers finish what they serve, then exit
  const after = await waitFor('every old worker process to be replaced', async () => {
    const now = await apacheGeneration();
    return now.workers.length > 0 && !now.workers.some((pid) => before.workers.includes(pid)) && now;
  }, 30_000);
  t.is(after.restartsLogged, before.restartsLogged + 1);
});
