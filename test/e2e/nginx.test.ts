/**
 * One bookworm host through the life of a deployment: nginx with two services at / and /hello, an
 * idempotent second run, an env change, a configuration nginx -t refuses; then the switch to
 * Apache + mod_proxy_uwsgi with the data kept, checked the same way (one host installs both
 * webservers, which keeps the CI time down).
 */
import test from 'ava';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import {
  apply,
  changedTasks,
  apacheMainPid,
  childPids,
  cli,
  explain,
  hello,
  httpGet,
  ipv4Rules,
  mainPid,
  onHost,
  processUser,
  tcpReachable,
  ufwStatus,
  unitState,
  writeInventory,
} from './helpers.js';

const HOST = 'e2e-nginx';
let host: LabHost;
const services = (helloExtra: Record<string, unknown> = {}) => [hello('hello', '/'), hello('hello2', '/hello', helloExtra)];

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
});

serial('first apply: both services answer through nginx with the right SCRIPT_NAME and PATH_INFO', async (t) => {
  const result = await apply(writeInventory([host], { webserver: 'nginx', services: services() }));
  t.is(result.code, 0, explain(result));
  t.is(result.report?.hosts[0]?.status, 'changed');

  const root = await httpGet(`http://${host.address}/foo`);
  t.is(root.status, 200);
  t.is(root.body, 'SCRIPT_NAME=\nPATH_INFO=/foo\n');
  t.regex(root.headers.get('content-type') ?? '', /^text\/plain/);

  const prefixed = await httpGet(`http://${host.address}/hello/foo`);
  t.is(prefixed.status, 200);
  t.is(prefixed.body, 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\n');

  // the bare prefix is served like prefix/ (nginx rewrites it)
  t.is((await httpGet(`http://${host.address}/hello`)).body, 'SCRIPT_NAME=/hello\nPATH_INFO=/\n');
});

serial('the uWSGI ports listen on the loopback only and do not answer from this machine', async (t) => {
  const listening = await onHost(host, 'ss -Hltn');
  t.regex(listening, /127\.0\.0\.1:8888\b/);
  t.regex(listening, /127\.0\.0\.1:8889\b/);
  t.false(await tcpReachable(host.address, 8888));
  t.false(await tcpReachable(host.address, 8889));
  t.true(await tcpReachable(host.address, 80), 'the HTTP port does answer');
});

serial('ufw is active with exactly SSH and HTTP allowed, everything else denied', async (t) => {
  const ufw = await ufwStatus(host);
  t.true(ufw.active);
  t.regex(ufw.defaults, /deny \(incoming\)/);
  t.regex(ufw.defaults, /allow \(outgoing\)/);
  t.deepEqual(ipv4Rules(ufw.rules), ['22/tcp ALLOW IN Anywhere', '80/tcp ALLOW IN Anywhere']);
});

serial('each service is a clam-NAME unit, enabled, running as the user clam', async (t) => {
  for (const unit of ['clam-hello', 'clam-hello2']) {
    t.deepEqual(await unitState(host, unit), { active: 'active', enabled: 'enabled' }, unit);
    const pid = await mainPid(host, unit);
    t.true(pid > 0, unit);
    t.is(await processUser(host, pid), 'clam', unit);
  }
  t.is(await onHost(host, 'stat -c %U:%G:%a /etc/clam/hello/uwsgi.ini'), 'root:clam:640');
  t.is(await onHost(host, 'stat -c %U:%G /var/lib/clam/hello'), 'clam:clam');
  t.is(await onHost(host, 'test -e /etc/nginx/sites-enabled/default && echo present || echo absent'), 'absent');
});

serial('a second apply (and plan) changes nothing and restarts nothing', async (t) => {
  const before = {
    hello: await mainPid(host, 'clam-hello'),
    hello2: await mainPid(host, 'clam-hello2'),
    nginx: await mainPid(host, 'nginx'),
  };
  const workers = await childPids(host, before.nginx);
  const inventory = writeInventory([host], { webserver: 'nginx', services: services() });
  const plan = await cli(['plan', inventory]);
  t.is(plan.code, 0, `plan on a converged host: nothing pending\n${explain(plan)}`);
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.deepEqual(changedTasks(result, HOST), []);
  t.is(result.report?.hosts[0]?.status, 'ok');
  t.deepEqual(
    { hello: await mainPid(host, 'clam-hello'), hello2: await mainPid(host, 'clam-hello2'), nginx: await mainPid(host, 'nginx') },
    before,
  );
  t.deepEqual(await childPids(host, before.nginx), workers, 'nginx was not reloaded (a reload replaces its workers)');
});

serial("changing one service's env restarts that service only; nginx is not reloaded", async (t) => {
  const helloPid = await mainPid(host, 'clam-hello');
  const hello2Pid = await mainPid(host, 'clam-hello2');
  const nginxPid = await mainPid(host, 'nginx');
  const workers = await childPids(host, nginxPid);

  const result = await apply(writeInventory([host], { webserver: 'nginx', services: services({ env: { GREETING: 'hi there' } }) }));
  t.is(result.code, 0, explain(result));
  t.deepEqual(changedTasks(result, HOST).sort(), ['Environment of hello2', 'restart clam-hello2']);

  t.is(await mainPid(host, 'clam-hello'), helloPid, 'the other service kept running');
  t.not(await mainPid(host, 'clam-hello2'), hello2Pid, 'the changed service was restarted');
  t.is(await mainPid(host, 'nginx'), nginxPid);
  t.deepEqual(await childPids(host, nginxPid), workers, 'nginx was not reloaded');
  t.is((await httpGet(`http://${host.address}/hello/foo`)).body, 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=hi there\n');
});

serial('nginx_extra that nginx -t refuses fails the host; the previous configuration stays and serves', async (t) => {
  const confFile = '/etc/nginx/conf.d/clam-e2e-nginx.conf';
  const previous = await onHost(host, `sha256sum ${confFile}`);
  const nginxPid = await mainPid(host, 'nginx');

  const bad = await apply(
    writeInventory([host], { webserver: 'nginx', nginx_extra: 'no_such_directive on;', services: services({ env: { GREETING: 'hi there' } }) }),
  );
  t.is(bad.code, 3, explain(bad));
  const report = bad.report?.hosts[0];
  t.is(report?.status, 'failed');
  t.regex(report?.error ?? '', /no_such_directive/, 'the validator message names the directive');

  t.is(await onHost(host, `sha256sum ${confFile}`), previous, 'the previous file was restored');
  t.is(await mainPid(host, 'nginx'), nginxPid, 'nginx kept running');
  t.is((await httpGet(`http://${host.address}/hello/foo`)).status, 200);
  await t.notThrowsAsync(onHost(host, 'nginx -t'));

  const good = await apply(writeInventory([host], { webserver: 'nginx', services: services({ env: { GREETING: 'hi there' } }) }));
  t.is(good.code, 0, explain(good));
  t.is((await httpGet(`http://${host.address}/foo`)).body, 'SCRIPT_NAME=\nPATH_INFO=/foo\n');
});

// ---- the same host switched to Apache + mod_proxy_uwsgi (one host fewer to install in CI)

const apacheVars = (extra: Record<string, unknown> = {}) => ({
  webserver: 'apache-uwsgi',
  firewall_allow: ['8443/tcp'],
  services: [
    hello('hello', '/'),
    hello('hello2', '/hello', { env: { GREETING: 'hi there' }, static: { url: '/hello/static', dir: '/srv/hello2-static' } }),
  ],
  ...extra,
});

serial('switching to Apache + mod_proxy_uwsgi converges, keeps data_dir, and frees nginx', async (t) => {
  await onHost(host, "echo 'uploaded corpus' > /var/lib/clam/hello/keep.txt && chown clam:clam /var/lib/clam/hello/keep.txt");
  // the static directory is the service's own business (CLAM's comes from its package): one file there
  await onHost(host, "mkdir -p /srv/hello2-static && echo '<xsl:stylesheet/>' > /srv/hello2-static/interface.xsl");

  const result = await apply(writeInventory([host], apacheVars()));
  t.is(result.code, 0, explain(result));

  t.is(await onHost(host, 'cat /var/lib/clam/hello/keep.txt'), 'uploaded corpus');
  t.is(await onHost(host, 'stat -c %U:%G /var/lib/clam/hello/keep.txt'), 'clam:clam');
  t.deepEqual(await unitState(host, 'nginx'), { active: 'inactive', enabled: 'disabled' });
  t.deepEqual(await unitState(host, 'apache2'), { active: 'active', enabled: 'enabled' });
  t.is(await onHost(host, 'ls /etc/apache2/sites-enabled'), 'clam.conf', "Apache's default site is disabled");
  t.is(await onHost(host, 'readlink /etc/apache2/sites-enabled/clam.conf'), '../sites-available/clam.conf');
});

serial('Apache + mod_proxy_uwsgi: both services answer with the right SCRIPT_NAME and PATH_INFO', async (t) => {
  t.is((await httpGet(`http://${host.address}/foo`)).body, 'SCRIPT_NAME=\nPATH_INFO=/foo\n');
  t.is((await httpGet(`http://${host.address}/`)).body, 'SCRIPT_NAME=\nPATH_INFO=/\n');
  const prefixed = await httpGet(`http://${host.address}/hello/foo`);
  t.is(prefixed.status, 200);
  t.is(prefixed.body, 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=hi there\n');
  t.is((await httpGet(`http://${host.address}/hello/`)).body, 'SCRIPT_NAME=/hello\nPATH_INFO=/\nGREETING=hi there\n');
});

serial('Apache serves the static files itself, .xsl as XML', async (t) => {
  const xsl = await httpGet(`http://${host.address}/hello/static/interface.xsl`);
  t.is(xsl.status, 200);
  t.is(xsl.body, '<xsl:stylesheet/>\n');
  t.regex(xsl.headers.get('content-type') ?? '', /^application\/xml/);
});

serial('Apache + mod_proxy_uwsgi: uWSGI unreachable, units as clam, ufw allows exactly SSH, HTTP and firewall_allow', async (t) => {
  t.false(await tcpReachable(host.address, 8888));
  t.false(await tcpReachable(host.address, 8889));
  for (const unit of ['clam-hello', 'clam-hello2']) t.is(await processUser(host, await mainPid(host, unit)), 'clam', unit);
  const ufw = await ufwStatus(host);
  t.true(ufw.active);
  t.deepEqual(ipv4Rules(ufw.rules), ['22/tcp ALLOW IN Anywhere', '80/tcp ALLOW IN Anywhere', '8443/tcp ALLOW IN Anywhere']);
});

serial('Apache + mod_proxy_uwsgi: a second apply changes nothing and reloads nothing', async (t) => {
  const apachePid = await apacheMainPid(host);
  const children = await childPids(host, apachePid);
  const pids = [await mainPid(host, 'clam-hello'), await mainPid(host, 'clam-hello2')];
  const result = await apply(writeInventory([host], apacheVars()));
  t.is(result.code, 0, explain(result));
  t.deepEqual(changedTasks(result, HOST), []);
  t.is(await apacheMainPid(host), apachePid);
  t.deepEqual(await childPids(host, apachePid), children, 'Apache was not reloaded (a graceful reload replaces its children)');
  t.deepEqual([await mainPid(host, 'clam-hello'), await mainPid(host, 'clam-hello2')], pids);
});

serial('apache_extra that configtest refuses fails the host; Apache keeps serving the previous configuration', async (t) => {
  const previous = await onHost(host, 'sha256sum /etc/apache2/sites-available/clam.conf');
  const result = await apply(writeInventory([host], apacheVars({ apache_extra: 'NoSuchDirective on' })));
  t.is(result.code, 3, explain(result));
  t.regex(result.report?.hosts[0]?.error ?? '', /NoSuchDirective/);
  t.is(await onHost(host, 'sha256sum /etc/apache2/sites-available/clam.conf'), previous, 'the previous file was restored');
  t.is((await httpGet(`http://${host.address}/hello/foo`)).status, 200);
});
