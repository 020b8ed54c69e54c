/**
 * Issue 17, must-show 2: a host reachable only through a bastion is deployed (apply, checked on the
 * host) with ProxyJump given in ~/.ssh/config, and again with -J in ansible_ssh_common_args; each
 * hop's host key is checked against known_hosts.
 *
 * The target sits behind the bastion as on a real private network (labHosts with `behind`): its only
 * interface is on a subnet of its own, shared with the bastion's second interface, and the controller
 * has no route to that subnet (the control test shows it). The target reaches the bastion and nothing
 * else: not the lab bridge, so no apt proxy and no Python index; the playbook needs neither.
 */
import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { run } from '../lab/exec.js';
import { knownHostsFile } from '../lab/keys.js';
import { SUBNET_PREFIX } from '../lab/state.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, faultsTempDir, hostReport, labHostPublicKeyFile, runCli, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'behind-bastion.yml');
const BASTION = 'jumpa';
const TARGET = 'jumpb';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let bastion: LabHost;
let target: LabHost;
/** A HOME of its own: the lab key as ~/.ssh/id_ed25519 (jump hosts get no -i, as with ssh), the lab's known_hosts. */
let home = '';

test.before(async () => {
  if (!labAvailable) return;
  [bastion] = (await labHosts([BASTION], { fresh: true })) as [LabHost];
  [target] = (await labHosts([TARGET], { fresh: true, behind: BASTION })) as [LabHost];
  home = faultsTempDir('jump-home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(bastion.keyFile, join(home, '.ssh', 'id_ed25519'));
  if (existsSync(knownHostsFile())) copyFileSync(knownHostsFile(), join(home, '.ssh', 'known_hosts'));
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts([TARGET, BASTION]);
});

const serial = labAvailable ? test.serial : test.skip;
const env = () => ({ ...process.env, HOME: home });
const sshConfig = (lines: string[]) => writeFileSync(join(home, '.ssh', 'config'), `${lines.join('\n')}\n`);
const escaped = (address: string) => address.replace(/\./g, '\\.');
const deploy = (inventory: string) => runCli(['apply', inventory, '--playbook', playbook, '--json'], { env: env() });

/** What a user looks at on the host: the file, the service, and what the service last started with. */
async function deployed(): Promise<{ message: string; seen: string; active: string; enabled: string }> {
  return {
    message: await onHost(target, 'cat /etc/behind-bastion/message'),
    seen: await onHost(target, 'cat /run/behind-bastion.seen'),
    active: (await sshExec(target, 'systemctl is-active behind-bastion')).stdout.trim(),
    enabled: (await sshExec(target, 'systemctl is-enabled behind-bastion')).stdout.trim(),
  };
}

serial('control: the controller has no route to the host, so a direct connection fails', async (t) => {
  t.false(target.address.startsWith(`${SUBNET_PREFIX}.`), 'the target is not on the lab bridge');
  const route = await run('ip', ['route', 'get', target.address]);
  t.not(route.code, 0, route.stdout);
  t.regex(route.stderr, /No route to host|unreachable/i);
  const inventory = writeInventoryFor([{ name: 'direct', address: target.address }]);
  const direct = await runCli(['plan', inventory, '--playbook', playbook, '--json'], { env: env() });
  t.is(direct.code, 4, explain(direct));
  t.regex(hostReport(direct, 'direct')?.error ?? '', new RegExp(`^no route to root@${escaped(target.address)}:22`), explain(direct));
});

serial('ProxyJump in ~/.ssh/config: apply deploys the host through the bastion', async (t) => {
  sshConfig([`Host behind-the-bastion`, `  HostName ${target.address}`, `  ProxyJump root@${bastion.address}`]);
  const applied = await deploy(writeInventoryFor([{ name: 'via-config', address: 'behind-the-bastion' }], { message: 'deployed through ssh config' }));
  t.is(applied.code, 0, explain(applied));
  t.is(hostReport(applied, 'via-config')?.status, 'changed', explain(applied));
  t.deepEqual(await deployed(), { message: 'deployed through ssh config', seen: 'deployed through ssh config', active: 'active', enabled: 'enabled' });
});

serial('-J in ansible_ssh_common_args: apply deploys a change; -o ProxyJump= then finds nothing to change', async (t) => {
  sshConfig([]);
  const jumpArgs = (args: string) =>
    writeInventoryFor([{ name: 'via-args', address: target.address }], { message: 'deployed with -J' }, { 'via-args': { ansible_ssh_common_args: args } });
  const applied = await deploy(jumpArgs(`-J root@${bastion.address}`));
  t.is(applied.code, 0, explain(applied));
  t.is(hostReport(applied, 'via-args')?.status, 'changed', explain(applied));
  t.deepEqual(await deployed(), { message: 'deployed with -J', seen: 'deployed with -J', active: 'active', enabled: 'enabled' });

  const planned = await runCli(['plan', jumpArgs(`-o ProxyJump=root@${bastion.address}`), '--playbook', playbook, '--json'], { env: env() });
  t.is(planned.code, 0, explain(planned));
  t.is(hostReport(planned, 'via-args')?.status, 'ok', explain(planned));
});

/** A known_hosts file with `address` trusting `wrongKeyOf`'s key and the other hops right, named for `address` in ~/.ssh/config. */
function wrongKnownHostFor(address: string, wrongKeyOf: string): void {
  const [type, key] = readFileSync(labHostPublicKeyFile(wrongKeyOf), 'utf8').trim().split(/\s+/);
  const file = join(home, '.ssh', `wrong-${address}`);
  writeFileSync(file, `${address} ${type} ${key}\n`);
  sshConfig([`Host ${address}`, `  UserKnownHostsFile ${file}`]);
}

serial("each hop's host key is checked: a wrong key for the bastion, then for the host, refuses the connection", async (t) => {
  const inventory = writeInventoryFor([{ name: 'wrong-key', address: target.address }], {}, { 'wrong-key': { ansible_ssh_common_args: `-J root@${bastion.address}` } });

  wrongKnownHostFor(bastion.address, TARGET);
  const wrongBastion = await runCli(['plan', inventory, '--playbook', playbook, '--json'], { env: env() });
  t.is(wrongBastion.code, 4, explain(wrongBastion));
  t.regex(hostReport(wrongBastion, 'wrong-key')?.error ?? '', new RegExp(`jump host root@${escaped(bastion.address)}:22: host key of ${escaped(bastion.address)}:22 has CHANGED`));

  wrongKnownHostFor(target.address, BASTION);
  const wrongTarget = await runCli(['plan', inventory, '--playbook', playbook, '--json'], { env: env() });
  t.is(wrongTarget.code, 4, explain(wrongTarget));
  const error = hostReport(wrongTarget, 'wrong-key')?.error ?? '';
  t.regex(error, new RegExp(`^host key of ${escaped(target.address)}:22 has CHANGED`), explain(wrongTarget));
});
