/**
 * Issue 14, defect 9: the run lock is in a directory only root can write. The service user `clam`
 * (any local user) holding a file named like the old lock in world-writable /run/lock, and trying the
 * new one, does not keep apply from running.
 */
import test from 'ava';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, hostReport, onHostInBackground, runCli, waitFor, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'marker.yml');
const NAME = 'fault22';
const HOLDER_PID = '/root/clamprovision-lock-holder.pid';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts([NAME])) as [LabHost];
  await onHost(host, 'id clam >/dev/null 2>&1 || useradd --system --create-home clam');
});

test.after.always(async () => {
  if (!labAvailable || !host) return;
  await sshExec(host, `[ -s ${HOLDER_PID} ] && kill "$(cat ${HOLDER_PID})"; rm -f ${HOLDER_PID}`);
  await stopLabHosts([NAME]);
});

const serial = labAvailable ? test.serial : test.skip;

serial('a lock held by the service user does not block apply; the service user cannot take the real one', async (t) => {
  await onHost(host, 'rm -rf /run/clamprovision');
  // clam holds what was the lock (/run/lock is world-writable) for as long as it likes
  await onHostInBackground(host, `echo $$ > ${HOLDER_PID}; exec runuser -u clam -- flock /run/lock/clamprovision.lock sleep 600`);
  await waitFor('clam to hold /run/lock/clamprovision.lock', async () => (await sshExec(host, 'flock -n /run/lock/clamprovision.lock true')).code !== 0, 30_000);

  const inventory = writeInventoryFor([host], { marker_text: `run ${Date.now()}` });
  const run = await runCli(['apply', inventory, '--playbook', playbook, '--json', '--lock-timeout', '3']);
  t.is(run.code, 0, explain(run));
  t.is(hostReport(run, host.name)?.status, 'changed');

  t.is(await onHost(host, 'stat -c %U:%a /run/clamprovision'), 'root:700', 'the lock directory is root-only');
  const take = await sshExec(host, 'runuser -u clam -- flock -n /run/clamprovision/lock true');
  t.not(take.code, 0, 'clam cannot open the lock');
  t.regex(take.stderr, /Permission denied/);
});
