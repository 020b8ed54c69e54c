/**
 * Issue 17, point 4: a host that accepts SSH logins only from a jump host (sshd's AllowUsers names the
 * jump host's address) is reached through it, with ProxyJump given in ~/.ssh/config and again with -J in
 * ansible_ssh_common_args; each hop's host key is checked against known_hosts. The control: the same
 * host without the jump is refused, so a run that reaches it went through the jump host.
 */
import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { knownHostsFile } from '../lab/keys.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, faultsTempDir, hostReport, runCli, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'noop.yml');
const NAMES = ['jumpa', 'jumpb'];

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let jump: LabHost;
let behind: LabHost;
/** A HOME of its own: the lab key as ~/.ssh/id_ed25519 (jump hosts get no -i, as with ssh), the lab's known_hosts. */
let home = '';

test.before(async () => {
  if (!labAvailable) return;
  [jump, behind] = (await labHosts(NAMES, { fresh: true })) as [LabHost, LabHost];
  home = faultsTempDir('jump-home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(jump.keyFile, join(home, '.ssh', 'id_ed25519'));
  if (existsSync(knownHostsFile())) copyFileSync(knownHostsFile(), join(home, '.ssh', 'known_hosts'));
  await onHost(behind, `printf 'AllowUsers *@${jump.address}\\n' > /etc/ssh/sshd_config.d/only-from-jump.conf && sshd -t && systemctl restart ssh`);
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(NAMES);
});

const serial = labAvailable ? test.serial : test.skip;
const env = () => ({ ...process.env, HOME: home });

serial('control: without the jump host the host refuses the login', async (t) => {
  const inventory = writeInventoryFor([{ name: 'direct', address: behind.address }]);
  const run = await runCli(['plan', inventory, '--playbook', playbook, '--json'], { env: env() });
  t.is(run.code, 4, explain(run));
  t.regex(hostReport(run, 'direct')?.error ?? '', /authentication failed/);
});

serial('ProxyJump in ~/.ssh/config: the host is reached through the jump host', async (t) => {
  writeFileSync(join(home, '.ssh', 'config'), [`Host behind-the-jump`, `  HostName ${behind.address}`, `  ProxyJump root@${jump.address}`, ''].join('\n'));
  const inventory = writeInventoryFor([{ name: 'via-config', address: 'behind-the-jump' }]);
  const run = await runCli(['plan', inventory, '--playbook', playbook, '--json'], { env: env() });
  t.true(run.code === 0 || run.code === 2, explain(run));
  t.not(hostReport(run, 'via-config')?.status, 'unreachable', explain(run));
});

serial('-J in ansible_ssh_common_args: the same', async (t) => {
  const inventory = writeInventoryFor([{ name: 'via-args', address: behind.address }], {}, { 'via-args': { ansible_ssh_common_args: `-J root@${jump.address}` } });
  const run = await runCli(['plan', inventory, '--playbook', playbook, '--json'], { env: env() });
  t.true(run.code === 0 || run.code === 2, explain(run));
  t.not(hostReport(run, 'via-args')?.status, 'unreachable', explain(run));
});

serial("the jump host's key is checked like a direct connection's: unknown, it is refused", async (t) => {
  writeFileSync(join(home, '.ssh', 'empty_known_hosts'), '');
  writeFileSync(join(home, '.ssh', 'config'), [`Host ${jump.address}`, `  UserKnownHostsFile ${join(home, '.ssh', 'empty_known_hosts')}`, ''].join('\n'));
  const inventory = writeInventoryFor([{ name: 'unknown-jump', address: behind.address }], {}, { 'unknown-jump': { ansible_ssh_common_args: `-J root@${jump.address}` } });
  const run = await runCli(['plan', inventory, '--playbook', playbook, '--json'], { env: env() });
  t.is(run.code, 4, explain(run));
  t.regex(hostReport(run, 'unknown-jump')?.error ?? '', new RegExp(`jump host root@${jump.address.replace(/\./g, '\\.')}:22: host key of .* is not known`));
});
