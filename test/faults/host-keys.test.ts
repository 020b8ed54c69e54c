/**
 * Issue 7, point 2: host keys. A changed key is refused with both fingerprints (also with
 * --accept-new-host-keys) and nothing runs on that host; an unknown key is refused unless
 * --accept-new-host-keys, which records it. Each test uses its own known_hosts file
 * (`-o UserKnownHostsFile=` in ansible_ssh_common_args); root's ~/.ssh/known_hosts is never touched.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { sshExec } from '../lab/hosts.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, faultsTempDir, fingerprintOf, hostReport, labHostPublicKeyFile, runCli, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'marker.yml');

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;
let control: LabHost;
let serverFingerprint = '';

test.before(async () => {
  if (!labAvailable) return;
  [host, control] = (await labHosts(['fault3', 'fault4'], { fresh: true })) as [LabHost, LabHost];
  serverFingerprint = fingerprintOf(labHostPublicKeyFile(host.name));
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault3', 'fault4']);
});

const serial = labAvailable ? test.serial : test.skip;

function inventoryWith(knownHosts: string, markerText: string): string {
  return writeInventoryFor(
    [host, control],
    { marker_text: markerText },
    // only the host under test reads the temporary file; the control host uses root's known_hosts (the lab's keys)
    { [host.name]: { ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes` } },
  );
}

async function marker(): Promise<string> {
  const result = await sshExec(host, 'cat /etc/clamprovision-fault/marker 2>/dev/null || echo "(no marker)"');
  return result.stdout.trim();
}

function knownHostsFile(content: string): string {
  const file = join(faultsTempDir('known-hosts'), 'known_hosts');
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

serial('an unknown host key is refused with its fingerprint; nothing runs there; the other host converges; exit 4', async (t) => {
  const knownHosts = knownHostsFile('');
  const run = await runCli(['apply', inventoryWith(knownHosts, 'first'), '--playbook', playbook, '--json']);
  t.is(run.code, 4, explain(run));
  const report = hostReport(run, host.name);
  t.is(report?.status, 'unreachable', explain(run));
  t.regex(report?.error ?? '', /not known/);
  t.true(report?.error?.includes(serverFingerprint), `the message shows the key's fingerprint ${serverFingerprint}: ${report?.error}`);
  t.regex(report?.error ?? '', /--accept-new-host-keys/);
  t.is((report as { commands?: number } | undefined)?.commands, 0, 'not one command ran on the host');
  t.deepEqual(report?.tasks, []);
  t.is(await marker(), '(no marker)');
  t.is(readFileSync(knownHosts, 'utf8'), '', 'a refused key is not recorded');
  t.is(hostReport(run, control.name)?.status, 'changed');
  t.is(await onHost(control, 'cat /etc/clamprovision-fault/marker'), `first on ${control.name}`);
});

serial('--accept-new-host-keys trusts and records an unknown key; the next run needs no flag', async (t) => {
  const knownHosts = knownHostsFile('');
  const run = await runCli(['apply', inventoryWith(knownHosts, 'accepted'), '--playbook', playbook, '--json', '--accept-new-host-keys']);
  t.is(run.code, 0, explain(run));
  t.is(hostReport(run, host.name)?.status, 'changed');
  t.is(await marker(), `accepted on ${host.name}`);
  const recorded = readFileSync(knownHosts, 'utf8');
  t.regex(recorded, new RegExp(`^${host.address.replace(/\./g, '\\.')} ssh-ed25519 `, 'm'));
  // ssh itself agrees with what was recorded
  const check = execFileSync('ssh-keygen', ['-F', host.address, '-f', knownHosts], { encoding: 'utf8' });
  t.regex(check, /ssh-ed25519/);
  t.is(fingerprintOf(knownHosts), serverFingerprint);

  const again = await runCli(['plan', inventoryWith(knownHosts, 'accepted'), '--playbook', playbook, '--json']);
  t.is(again.code, 0, explain(again));
  t.is(readFileSync(knownHosts, 'utf8'), recorded, 'a known key is not recorded twice');
});

serial('a changed host key is refused with both fingerprints, also with --accept-new-host-keys; nothing runs there', async (t) => {
  // known_hosts says the host has another key (as after a man-in-the-middle, or a reinstalled server)
  const dir = faultsTempDir('other-key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'impostor', '-f', join(dir, 'key')]);
  const otherKey = readFileSync(join(dir, 'key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const expectedFingerprint = fingerprintOf(join(dir, 'key.pub'));
  const knownHostsContent = `${host.address} ${otherKey}\n`;
  const before = await marker();
  for (const extra of [[], ['--accept-new-host-keys']]) {
    const knownHosts = knownHostsFile(knownHostsContent);
    const text = `must-not-be-written-${extra.length}`;
    const run = await runCli(['apply', inventoryWith(knownHosts, text), '--playbook', playbook, '--json', ...extra]);
    t.is(run.code, 4, explain(run));
    const report = hostReport(run, host.name);
    t.is(report?.status, 'unreachable', explain(run));
    t.regex(report?.error ?? '', /CHANGED/);
    t.true(report?.error?.includes(serverFingerprint), `the offered key ${serverFingerprint} is named: ${report?.error}`);
    t.true(report?.error?.includes(expectedFingerprint), `the expected key ${expectedFingerprint} is named: ${report?.error}`);
    t.is((report as { commands?: number } | undefined)?.commands, 0);
    t.deepEqual(report?.tasks, []);
    t.is(readFileSync(knownHosts, 'utf8'), knownHostsContent, `known_hosts is left as it was (${extra.join(' ') || 'no flag'})`);
    t.is(hostReport(run, control.name)?.status, 'changed', 'the other host still converges');
    t.is(await onHost(control, 'cat /etc/clamprovision-fault/marker'), `${text} on ${control.name}`);
    // plan is refused just the same
    const plan = await runCli(['plan', inventoryWith(knownHosts, 'must-not-be-written-either'), '--playbook', playbook, '--json', ...extra]);
    t.is(plan.code, 4, explain(plan));
    t.regex(hostReport(plan, host.name)?.error ?? '', /CHANGED/);
  }
  t.is(await marker(), before, 'nothing was written on the host');
});
