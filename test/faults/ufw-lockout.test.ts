/**
 * Issue 14, defect 6: ufw rules kept from before (no purge) that deny the SSH port — a deny on a port
 * range holding it, or a deny-all rule — come before anything apply appends, and ufw takes the first
 * match: the SSH allow must be inserted first, or enabling ufw locks the controller out. After apply a
 * new TCP connection to the SSH port answers (a drop would be a timeout) and a new SSH session works.
 */
import test from 'ava';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, hostReport, runCli, tcpProbe, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'firewall-kept-rules.yml');
const NAME = 'fault21';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;

test.before(async () => {
  if (!labAvailable) return;
  // fresh: a run that failed (the lockout this file tests for) leaves the disk with ufw locking SSH out
  [host] = (await labHosts([NAME], { fresh: true })) as [LabHost];
  await onHost(host, 'command -v ufw >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ufw >/dev/null; }');
});

test.after.always(async () => {
  if (!labAvailable) return;
  await stopLabHosts([NAME]);
});

const serial = labAvailable ? test.serial : test.skip;

for (const [label, denyRule] of [
  ['a deny on a port range holding the SSH port', 'ufw deny proto tcp from any to any port 20:30'],
  ['a deny-all rule', 'ufw deny from any to any'],
] as const) {
  serial(`${label} kept from before: apply inserts the SSH allow before it, SSH stays reachable`, async (t) => {
    // a host with ufw off and a rule of its own, as an admin may have left it
    await onHost(host, `ufw --force reset >/dev/null && rm -f /etc/ufw/*.rules.[0-9]* /root/clamprovision-after-firewall && ${denyRule} >/dev/null`);
    const inventory = writeInventoryFor([host]);
    const run = await runCli(['apply', inventory, '--playbook', playbook, '--json']);
    t.is(run.code, 0, explain(run));
    t.is(hostReport(run, host.name)?.tasks.find((task) => task.name === 'after the firewall')?.status, 'changed', 'the session survived');

    t.is(await tcpProbe(host.address, 22, 5000), 'connected', 'a new connection to the SSH port is let in');
    t.regex(await onHost(host, 'ufw status numbered'), /\[ ?1\] 22\/tcp +ALLOW IN +Anywhere/, 'the SSH allow is the first rule');
    t.regex(await onHost(host, 'ufw status'), /^Status: active/m);
    const again = await runCli(['apply', inventory, '--playbook', playbook, '--json']);
    t.is(again.code, 0, explain(again));
    t.is(hostReport(again, host.name)?.status, 'ok', 'converged, over a new connection');
  });
}
