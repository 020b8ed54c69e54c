/**
 * Issue 7, point 5: two applies against one host at once never interleave: the second waits for the
 * first (the lock on the host) and says so, or gives up clearly after --lock-timeout without running
 * anything. The first run works until the test releases it, so every step waits for an event (a line
 * in the host's run log, a line of progress) instead of sleeping through a window.
 */
import test from 'ava';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, hostReport, runCli, startCli, waitFor, writeInventoryFor, type CliRun } from './helpers.js';

const playbook = join(faultsFixtures, 'run-log.yml');
const LOG = '/root/clamprovision-runs.log';
const releaseFile = (runId: string) => `/root/clamprovision-release-${runId}`;
const WAITING = 'waiting for another clamprovision run on this host to finish';

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

function inventory(runId: string): string {
  return writeInventoryFor([host], { run_id: runId });
}

async function runLog(): Promise<string[]> {
  return (await onHost(host, `cat ${LOG} 2>/dev/null || true`)).split('\n').filter(Boolean);
}

async function reset(): Promise<void> {
  await onHost(host, `rm -f ${LOG} ${releaseFile('A')} ${releaseFile('B')}`);
}

const release = (runId: string) => onHost(host, `touch ${releaseFile(runId)}`);

/** Resolves with the run and the time it ended. */
const endedAt = (done: Promise<CliRun>) => done.then((run) => ({ run, at: Date.now() }));

serial('a second apply started while the first runs says it waits, waits, and runs after the first ended; the two never interleave', async (t) => {
  await reset();
  await release('B');
  const first = startCli(['apply', inventory('A'), '--playbook', playbook, '--json']);
  const firstEnded = endedAt(first.done);
  await waitFor('the first run to start its work', async () => (await runLog()).includes('start A'), 120_000);
  const second = startCli(['apply', inventory('B'), '--playbook', playbook, '--json']);
  const secondEnded = endedAt(second.done);
  await waitFor('the second run to say it waits', async () => second.stderrSoFar().includes(`${host.name}: ${WAITING}`), 60_000);
  t.deepEqual(await runLog(), ['start A'], 'the second run waits while the first works');
  await release('A');
  const [a, b] = await Promise.all([firstEnded, secondEnded]);
  t.is(a.run.code, 0, explain(a.run));
  t.is(b.run.code, 0, explain(b.run));
  t.true(b.at >= a.at, 'the second run ended after the first');
  t.deepEqual(await runLog(), ['start A', 'end A', 'start B', 'end B']);
  t.is(hostReport(b.run, host.name)?.status, 'changed');
});

serial('with --lock-timeout the second apply gives up after that time, clearly, and runs nothing', async (t) => {
  await reset();
  const first = startCli(['apply', inventory('A'), '--playbook', playbook, '--json']);
  await waitFor('the first run to start its work', async () => (await runLog()).includes('start A'), 120_000);
  const lockTimeout = 3;
  const b = await runCli(['apply', inventory('B'), '--playbook', playbook, '--json', '--lock-timeout', String(lockTimeout)]);
  t.is(b.code, 3, explain(b));
  const report = hostReport(b, host.name);
  t.is(report?.status, 'failed');
  t.regex(report?.error ?? '', new RegExp(`another clamprovision run still holds the lock on this host after ${lockTimeout} s`));
  t.deepEqual(report?.tasks, [], 'the second run ran no task');
  t.true(b.ms >= lockTimeout * 1000, `it waited ${lockTimeout} s before giving up (${b.ms} ms)`);
  t.regex(b.stderr, new RegExp(`${host.name}: ${WAITING}`), 'and said that it waits');
  t.deepEqual(await runLog(), ['start A'], 'the first run is still working, alone');
  await release('A');
  const a = await first.done;
  t.is(a.code, 0, explain(a));
  t.deepEqual(await runLog(), ['start A', 'end A']);
});

serial('plan does not take the lock: it reads while an apply runs', async (t) => {
  await reset();
  const first = startCli(['apply', inventory('A'), '--playbook', playbook, '--json']);
  await waitFor('the first run to start its work', async () => (await runLog()).includes('start A'), 120_000);
  const plan = await runCli(['plan', inventory('B'), '--playbook', playbook, '--json', '--lock-timeout', '2']);
  t.is(plan.code, 2, explain(plan));
  t.notRegex(plan.stderr, new RegExp(WAITING));
  t.deepEqual(await runLog(), ['start A'], 'plan ended while the apply still worked');
  await release('A');
  t.is((await first.done).code, 0);
});
