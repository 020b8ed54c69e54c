/**
 * Issue 7, point 5: two applies against one host at once never interleave: the second waits for the
 * first (the lock on the host), or gives up clearly after --lock-timeout without running anything.
 */
import test from 'ava';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, hostReport, runCli, startCli, waitFor, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'run-log.yml');
const LOG = '/root/clamprovision-runs.log';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts(['fault8'], { fresh: true })) as [LabHost];
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault8']);
});

const serial = labAvailable ? test.serial : test.skip;

function inventory(runId: string, sleepSeconds: number): string {
  return writeInventoryFor([host], { run_id: runId, sleep_seconds: sleepSeconds });
}

async function runLog(): Promise<string[]> {
  return (await onHost(host, `cat ${LOG} 2>/dev/null || true`)).split('\n').filter(Boolean);
}

serial('a second apply started while the first runs waits for it, then runs; the two never interleave', async (t) => {
  await onHost(host, `rm -f ${LOG}`);
  const first = startCli(['apply', inventory('A', 8), '--playbook', playbook, '--json']);
  await waitFor('the first run to start its work', async () => (await runLog()).includes('start A'), 120_000);
  const second = startCli(['apply', inventory('B', 1), '--playbook', playbook, '--json']);
  const [a, b] = await Promise.all([first.done, second.done]);
  t.is(a.code, 0, explain(a));
  t.is(b.code, 0, explain(b));
  t.deepEqual(await runLog(), ['start A', 'end A', 'start B', 'end B']);
  t.is(hostReport(b, host.name)?.status, 'changed');
});

serial('with --lock-timeout the second apply gives up after that time, clearly, and runs nothing', async (t) => {
  await onHost(host, `rm -f ${LOG}`);
  const first = startCli(['apply', inventory('A', 20), '--playbook', playbook, '--json']);
  await waitFor('the first run to start its work', async () => (await runLog()).includes('start A'), 120_000);
  const lockTimeout = 3;
  const b = await runCli(['apply', inventory('B', 1), '--playbook', playbook, '--json', '--lock-timeout', String(lockTimeout)]);
  t.is(b.code, 3, explain(b));
  const report = hostReport(b, host.name);
  t.is(report?.status, 'failed');
  t.regex(report?.error ?? '', new RegExp(`another clamprovision run still holds the lock on this host after ${lockTimeout} s`));
  t.deepEqual(report?.tasks, [], 'the second run ran no task');
  t.true(b.ms < 20_000, `gave up after ${b.ms} ms, while the first still ran`);
  t.deepEqual(await runLog(), ['start A'], 'the first run is still working, alone');
  const a = await first.done;
  t.is(a.code, 0, explain(a));
  t.deepEqual(await runLog(), ['start A', 'end A']);
});

serial('plan does not take the lock: it reads while an apply runs', async (t) => {
  await onHost(host, `rm -f ${LOG}`);
  const first = startCli(['apply', inventory('A', 15), '--playbook', playbook, '--json']);
  await waitFor('the first run to start its work', async () => (await runLog()).includes('start A'), 120_000);
  const plan = await runCli(['plan', inventory('B', 1), '--playbook', playbook, '--json', '--lock-timeout', '2']);
  t.is(plan.code, 2, explain(plan));
  t.deepEqual(await runLog(), ['start A']);
  t.is((await first.done).code, 0);
});
