/**
 * Issue 7, point 6: a webserver configuration that the validator refuses is rolled back: the
 * previous file is back, the webserver was not reloaded and keeps answering, the host is failed with
 * the validator's message, exit 3; the next good configuration goes live.
 * (The CLAM playbook's own case, nginx_extra, is in test/e2e/nginx.test.ts.)
 */
import test from 'ava';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { childPids, httpGet, mainPid, onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, hostReport, onHostInBackground, runCli, waitFor, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'web-site.yml');
const CONF = '/etc/nginx/conf.d/fault-site.conf';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts(['fault9'], { fresh: true })) as [LabHost];
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault9']);
});

const serial = labAvailable ? test.serial : test.skip;

const apply = (siteExtra: string) => runCli(['apply', writeInventoryFor([host], { site_extra: siteExtra }), '--playbook', playbook, '--json']);

serial('a refused nginx configuration is rolled back, nginx keeps serving, exit 3; a good one goes live', async (t) => {
  const first = await apply('    add_header X-Fault-Site one;');
  t.is(first.code, 0, explain(first));
  const site = `http://${host.address}:8081/`;
  const before = await httpGet(site);
  t.is(before.status, 200);
  t.is(before.body, `fault site on ${host.name}\n`);
  t.is(before.headers.get('x-fault-site'), 'one');
  const goodConf = await onHost(host, `sha256sum ${CONF}`);
  const nginxPid = await mainPid(host, 'nginx');
  const workers = await childPids(host, nginxPid);

  const bad = await apply('    no_such_directive on;');
  t.is(bad.code, 3, explain(bad));
  const report = hostReport(bad, host.name);
  t.is(report?.status, 'failed');
  t.regex(report?.error ?? '', /unknown directive "no_such_directive"/, "the validator's message is shown");
  t.is(report?.tasks.find((task) => task.name === 'server block')?.status, 'failed');
  t.falsy(report?.tasks.find((task) => task.name === 'reload nginx'), 'no reload after a refused configuration');

  t.is(await onHost(host, `sha256sum ${CONF}`), goodConf, 'the previous file is back');
  t.is(await onHost(host, 'ls -A /etc/nginx/conf.d'), 'fault-site.conf', 'no backup or temporary file is left in conf.d');
  t.is(await onHost(host, 'nginx -t 2>&1 | tail -n1'), 'nginx: configuration file /etc/nginx/nginx.conf test is successful');
  t.is(await mainPid(host, 'nginx'), nginxPid, 'nginx was not restarted');
  t.deepEqual(await childPids(host, nginxPid), workers, 'nor reloaded');
  const during = await httpGet(site);
  t.is(during.status, 200, 'the site keeps answering');
  t.is(during.headers.get('x-fault-site'), 'one');

  // the same bad input again: still refused, still nothing changed (no half-state from the first try)
  const badAgain = await apply('    no_such_directive on;');
  t.is(badAgain.code, 3, explain(badAgain));
  t.is(await onHost(host, `sha256sum ${CONF}`), goodConf);

  const fixed = await apply('    add_header X-Fault-Site two;');
  t.is(fixed.code, 0, explain(fixed));
  t.true(fixed.report?.hosts[0]?.tasks.some((task) => task.name === 'reload nginx' && task.status === 'changed'), explain(fixed));
  // nginx -s reload returns before the new workers take over: give them a moment
  const live = await waitFor('the new configuration to serve', async () => (await httpGet(site)).headers.get('x-fault-site') === 'two', 10_000).catch(() => false);
  t.true(live, 'the good configuration is live');
  t.is(await mainPid(host, 'nginx'), nginxPid, 'by a reload, not a restart');
});

serial('a run cut off while the validator runs: the next run validates again, refuses, and puts the good file back', async (t) => {
  const goodConf = await onHost(host, `sha256sum ${CONF}`);
  // a slow validator, so that the run can be cut off (SIGKILL to the whole remote command and the session) while it runs
  const slow = 'sleep 9 && nginx -t';
  const cutRun = runCli(['apply', writeInventoryFor([host], { site_extra: '    no_such_directive on;', site_validate: slow }), '--playbook', playbook, '--json']);
  await waitFor('the validator to run', async () => (await sshExec(host, `pgrep -f '^sleep 9$'`)).code === 0, 120_000);
  await onHostInBackground(host, `sid=$(ps -o sid= -p $(pgrep -f '^sleep 9$' | head -n1) | tr -d ' '); pkill -KILL -s "$sid"; pkill -KILL -f '[s]shd: root@notty'`);
  const cut = await cutRun;
  t.is(cut.code, 3, explain(cut));
  t.not(await onHost(host, `sha256sum ${CONF}`), goodConf, 'the refused file is in place: the run was cut off before the verdict');

  // the same input again: the file is what is wanted, but no validator ever accepted it
  const again = await apply('    no_such_directive on;');
  t.is(again.code, 3, explain(again));
  t.regex(hostReport(again, host.name)?.error ?? '', /unknown directive "no_such_directive"/);
  t.is(await onHost(host, `sha256sum ${CONF}`), goodConf, 'the last validated file is back');
  t.is(await onHost(host, 'ls -A /etc/nginx/conf.d'), 'fault-site.conf');
  t.is(await onHost(host, 'nginx -t 2>&1 | tail -n1'), 'nginx: configuration file /etc/nginx/nginx.conf test is successful');
  t.is((await httpGet(`http://${host.address}:8081/`)).status, 200);
  const good = await apply('    add_header X-Fault-Site two;');
  t.is(good.code, 0, explain(good));
  t.is(hostReport(good, host.name)?.status, 'ok', 'the good file was never lost');
});
