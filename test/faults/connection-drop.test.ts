/**
 * Issue 7, point 3: the connection drops in the middle of an apply. That host fails, the other
 * finishes; the host lock went with the session, so a re-run converges with no clean-up by hand;
 * files are replaced atomically, so a run cut off while writing leaves the old file whole.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { becomeVars, labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { netnsName } from '../lab/network.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, faultsTempDir, hostReport, onHostInBackground, runCli, startCli, waitFor, writeInventoryFor } from './helpers.js';

const slowPlaybook = join(faultsFixtures, 'slow.yml');
const bigFilePlaybook = join(faultsFixtures, 'big-file.yml');
/** a sleep no other process on the host has: how the test finds the slow step */
const SLOW_SECONDS = 47;
const LOCK_TIMEOUT = 30;
/**
 * How soon after its session is killed a run must give the host up (at once: the connection closes;
 * waiting out the slow step would take SLOW_SECONDS), measured from the kill, not from the start of a
 * run that a busy machine may make slow.
 */
const DROP_NOTICED_MS = 20_000;
/** how soon after a host's link goes down a run must give that host up */
const LINK_DOWN_NOTICED_MS = 60_000;
const execFileAsync = promisify(execFile);

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let other: LabHost;
let victim: LabHost;

test.before(async () => {
  if (!labAvailable) return;
  [other, victim] = (await labHosts(['fault5', 'fault6'], { fresh: true })) as [LabHost, LabHost];
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault5', 'fault6']);
});

const serial = labAvailable ? test.serial : test.skip;

/** sshd's per-connection process of every root session (the `[s]` keeps pkill from matching the shell running it). */
const KILL_ROOT_SESSIONS = `pkill -KILL -f '[s]shd: root@notty'`;

serial('the SSH session is killed during a slow task: that host fails, the other finishes, a re-run converges', async (t) => {
  const inventory = (slow: number, text: string) =>
    writeInventoryFor([other, victim], { config_text: text }, { [other.name]: { slow_seconds: 1 }, [victim.name]: { slow_seconds: slow } });
  const running = startCli(['apply', inventory(SLOW_SECONDS, 'first'), '--playbook', slowPlaybook, '--json', '--lock-timeout', String(LOCK_TIMEOUT)]);
  await waitFor('the slow step on the victim', async () => (await sshExec(victim, `pgrep -f '^sleep ${SLOW_SECONDS}$'`)).code === 0, 120_000);
  // From a second connection: end the apply's session (sshd's process of that connection) as a network drop would.
  await onHostInBackground(victim, `sleep 0.5; ${KILL_ROOT_SESSIONS}`);
  const killedAt = Date.now();
  const run = await running.done;
  const endedAfterKillMs = Date.now() - killedAt;

  t.is(run.code, 3, explain(run));
  t.true(endedAfterKillMs < DROP_NOTICED_MS, `the run waited for the dead host: it ended ${endedAfterKillMs} ms after the session was killed`);
  const failed = hostReport(run, victim.name);
  t.is(failed?.status, 'failed', explain(run));
  t.regex(failed?.error ?? '', /connection|closed|lost/i);
  t.is(failed?.tasks.find((task) => task.name === 'slow step')?.status, 'failed');
  t.is(hostReport(run, other.name)?.status, 'changed', 'the other host finished');
  t.is(await onHost(other, 'cat /etc/clamprovision-fault/after.conf'), `first on ${other.name}`);
  t.is((await sshExec(victim, 'test -e /etc/clamprovision-fault/after.conf')).code, 1, 'nothing after the drop ran on the victim');

  // No manual clean-up: the lock is gone with the session (a stale lock would make this wait LOCK_TIMEOUT s and fail).
  // (the killed session's command may still sleep on the host: nothing is cleaned up before the re-run)
  const again = await runCli(['apply', inventory(1, 'second'), '--playbook', slowPlaybook, '--json', '--lock-timeout', String(LOCK_TIMEOUT)]);
  t.is(again.code, 0, explain(again));
  t.is(hostReport(again, victim.name)?.status, 'changed');
  for (const host of [other, victim]) {
    t.is(await onHost(host, 'cat /etc/clamprovision-fault/before.conf /etc/clamprovision-fault/after.conf'), `second on ${host.name}\nsecond on ${host.name}`);
  }
  const third = await runCli(['apply', inventory(1, 'second'), '--playbook', slowPlaybook, '--json']);
  t.deepEqual(third.report?.summary, { ok: 2, changed: 0, failed: 0, unreachable: 0 }, explain(third));
  await sshExec(victim, `pkill -f '^sleep ${SLOW_SECONDS}$'; true`);
});

serial('killed while writing a file: the old file stays whole, a re-run writes the new one and leaves no temporary file', async (t) => {
  const dir = faultsTempDir('big');
  const oldFile = join(dir, 'old.dat');
  const newFile = join(dir, 'new.dat');
  const oldContent = randomBytes(64 * 1024);
  const newContent = randomBytes(24 * 1024 * 1024);
  writeFileSync(oldFile, oldContent);
  writeFileSync(newFile, newContent);
  const digest = (content: Buffer) => createHash('sha256').update(content).digest('hex');
  const remoteDigest = async () => (await onHost(victim, 'sha256sum /etc/clamprovision-fault/big.dat')).split(/\s+/)[0];

  const first = await runCli(['apply', writeInventoryFor([victim], { big_file_src: oldFile }), '--playbook', bigFilePlaybook, '--json']);
  t.is(first.code, 0, explain(first));
  t.is(await remoteDigest(), digest(oldContent));

  // On a quiet machine the 24 MB are decoded in tens of ms, too fast to cut off reliably. A stand-in
  // base64 in /usr/local/bin (first in the scripts' PATH) decodes like the real one but holds after
  // the first MiB, so the run is always caught mid-write; it is removed again before the re-run.
  await onHost(
    victim,
    `printf '%s\\n' '#!/bin/sh' 'if [ "$1" = -d ]; then /usr/bin/base64 "$@" | { head -c 1048576; sleep 60; cat; }; else exec /usr/bin/base64 "$@"; fi' ` +
      `> /usr/local/bin/base64 && chmod 755 /usr/local/bin/base64 && rm -f /tmp/watcher.log`,
  );
  // A watcher on the host: once the temporary file holds that first MiB, kill the writer's whole
  // session (the task's script shell too) with SIGKILL, so no trap runs, as in a crash, then the SSH session.
  await onHostInBackground(
    victim,
    `i=0; while [ $i -lt 1200 ]; do ` +
      `for f in /etc/clamprovision-fault/.big.dat.clamprovision-*; do ` +
      `if [ -f "$f" ] && [ "$(stat -c %s "$f")" -ge 1048576 ]; then sid=$(ps -o sid= -p "$(pgrep -x base64 | head -n1)" | tr -d " "); pkill -KILL -s "$sid"; ${KILL_ROOT_SESSIONS}; ` +
      `echo "killed while writing $f ($(stat -c %s "$f") bytes)"; exit 0; fi; done; ` +
      `i=$((i+1)); sleep 0.05; done; echo "never saw the temporary file"`,
    '/tmp/watcher.log',
  );
  const cut = await runCli(['apply', writeInventoryFor([victim], { big_file_src: newFile }), '--playbook', bigFilePlaybook, '--json']);
  const watcher = await waitFor('the watcher', async () => (await onHost(victim, 'cat /tmp/watcher.log')).trim(), 60_000);
  t.regex(watcher, /^killed while writing /, 'the run was cut off in the middle of writing the file');
  t.is(cut.code, 3, explain(cut));
  t.is(hostReport(cut, victim.name)?.status, 'failed');
  t.is(await remoteDigest(), digest(oldContent), 'the file is still the whole old file');
  await onHost(victim, 'rm -f /usr/local/bin/base64');

  const again = await runCli(['apply', writeInventoryFor([victim], { big_file_src: newFile }), '--playbook', bigFilePlaybook, '--json']);
  t.is(again.code, 0, explain(again));
  t.is(await remoteDigest(), digest(newContent), 'the re-run wrote the whole new file');
  t.is(await onHost(victim, 'stat -c %a /etc/clamprovision-fault/big.dat'), '640');
  t.is(await onHost(victim, 'ls -A /etc/clamprovision-fault | grep -c clamprovision || true'), '0', 'no temporary file is left behind');
});

serial("the host's link goes down during a slow task and comes back: that host fails, a re-run converges without waiting out the lock", async (t) => {
  const longSleep = 600;
  const inventory = (slow: number, text: string) =>
    writeInventoryFor([other, victim], { config_text: text }, { [other.name]: { slow_seconds: 1 }, [victim.name]: { slow_seconds: slow } });
  await onHost(victim, 'rm -f /etc/clamprovision-fault/slow-step-done');
  const running = startCli(['apply', inventory(longSleep, 'third'), '--playbook', slowPlaybook, '--json']);
  await waitFor('the slow step on the victim', async () => (await sshExec(victim, `pgrep -f '^sleep ${longSleep}$'`)).code === 0, 120_000);
  const namespace = netnsName(victim.name);
  await execFileAsync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'eth0', 'down']);
  const linkDownAt = Date.now();
  let run;
  try {
    run = await running.done;
  } finally {
    await execFileAsync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'eth0', 'up']);
  }
  const noticedAfterMs = Date.now() - linkDownAt;
  t.is(run.code, 3, explain(run));
  t.is(hostReport(run, victim.name)?.status, 'failed', explain(run));
  t.regex(hostReport(run, victim.name)?.error ?? '', /connection|closed|lost|timed out/i);
  t.is(hostReport(run, other.name)?.status, 'changed');
  // SSH keepalives every 5 s, 3 unanswered: the run gives the host up some 15-20 s after its link went
  // down; a minute is what a user would call "hanging"
  t.true(noticedAfterMs < LINK_DOWN_NOTICED_MS, `the run ended ${noticedAfterMs} ms after the link went down`);

  // The link is back; the old session's command still sleeps on the host. A re-run must not wait for it.
  await waitFor('the victim answering again', async () => (await sshExec(victim, 'true')).code === 0, 60_000, 1000);
  const lockTimeout = 90;
  const again = await runCli(['apply', inventory(1, 'fourth'), '--playbook', slowPlaybook, '--json', '--lock-timeout', String(lockTimeout)]);
  t.is(again.code, 0, explain(again));
  t.true(again.ms < (lockTimeout - 30) * 1000, `the re-run waited ${again.ms} ms for the lock of the dead session`);
  t.is(await onHost(victim, 'cat /etc/clamprovision-fault/after.conf'), `fourth on ${victim.name}`);
  await sshExec(victim, `pkill -f '^sleep ${longSleep}$'; true`);
});

serial('the same as the deploy user with sudo: the session is killed during a slow task, a re-run converges', async (t) => {
  const inventory = (slow: number, text: string) =>
    writeInventoryFor([victim], { config_text: text, slow_seconds: slow }, { [victim.name]: becomeVars(victim) });
  await onHost(victim, 'rm -f /etc/clamprovision-fault/slow-step-done');
  const running = startCli(['apply', inventory(SLOW_SECONDS, 'fifth'), '--playbook', slowPlaybook, '--json', '--lock-timeout', String(LOCK_TIMEOUT)]);
  await waitFor('the slow step on the victim', async () => (await sshExec(victim, `pgrep -f '^sleep ${SLOW_SECONDS}$'`)).code === 0, 120_000);
  await onHostInBackground(victim, `sleep 0.5; pkill -KILL -f '[s]shd: ${victim.becomeUser}@notty'`);
  const killedAt = Date.now();
  const run = await running.done;
  const endedAfterKillMs = Date.now() - killedAt;
  t.is(run.code, 3, explain(run));
  t.is(hostReport(run, victim.name)?.status, 'failed', explain(run));
  t.true(endedAfterKillMs < DROP_NOTICED_MS, `the run waited for the dead host: it ended ${endedAfterKillMs} ms after the session was killed`);

  const again = await runCli(['apply', inventory(1, 'sixth'), '--playbook', slowPlaybook, '--json', '--lock-timeout', String(LOCK_TIMEOUT)]);
  t.is(again.code, 0, explain(again));
  t.is(await onHost(victim, 'cat /etc/clamprovision-fault/after.conf'), `sixth on ${victim.name}`);
  await sshExec(victim, `pkill -f '^sleep ${SLOW_SECONDS}$'; true`);
});
