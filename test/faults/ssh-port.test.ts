/**
 * Issue 7, point 9: connected on a non-22 SSH port (as the deploy user with sudo), enabling ufw
 * allows that port first: the session survives (later tasks run) and a new connection on that port
 * works afterwards. Other ports are closed: a listener on the host answers on an allowed port (8080)
 * and on a port the rules do not allow (9999); before ufw both answer, after it only 8080 does, and the
 * probe to 9999 meets ufw's silent drop (a timeout) while the same probe to 8080, just before and
 * after, connects within the same timeout — so the timeout is the firewall, not a slow machine.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { becomeVars, labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { ipv4Rules, onHost, tcpReachable, ufwStatus } from '../e2e/helpers.js';
import { explain, faultsFixtures, faultsTempDir, hostReport, labHostPublicKeyFile, listenOnHost, runCli, tcpProbe, waitFor, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'firewall.yml');
const SSH_PORT = 2222;
/** allowed by the playbook's rules */
const ALLOWED_PORT = 8080;
/** allowed by no rule */
const CLOSED_PORT = 9999;
/** one timeout for every probe: the control must connect within it */
const PROBE_TIMEOUT_MS = 3000;

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;
let onPort: LabHost;

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts(['fault11'], { fresh: true })) as [LabHost];
  onPort = { ...host, port: SSH_PORT };
  // sshd listens on 22 and 2222
  await onHost(host, `printf 'Port 22\\nPort ${SSH_PORT}\\n' > /etc/ssh/sshd_config.d/ports.conf && sshd -t && systemctl restart ssh`);
  await waitFor(`sshd on port ${SSH_PORT}`, () => tcpReachable(host.address, SSH_PORT), 30_000, 500);
  await listenOnHost(host, 'clamprovision-probe', [ALLOWED_PORT, CLOSED_PORT]);
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault11']);
});

const serial = labAvailable ? test.serial : test.skip;

serial(`on port ${SSH_PORT} with sudo: ufw allows ${SSH_PORT} before it is enabled, the session survives, a new connection works`, async (t) => {
  t.is((await sshExec(host, 'command -v ufw')).code, 1, 'ufw is not even installed before');
  // control: without a firewall the listener answers on both ports
  t.is(await tcpProbe(host.address, ALLOWED_PORT, PROBE_TIMEOUT_MS), 'connected');
  t.is(await tcpProbe(host.address, CLOSED_PORT, PROBE_TIMEOUT_MS), 'connected');
  // known_hosts with the host's key for [address]:2222
  const knownHosts = join(faultsTempDir('known-hosts'), 'known_hosts');
  const [type, key] = readFileSync(labHostPublicKeyFile(host.name), 'utf8').trim().split(/\s+/);
  writeFileSync(knownHosts, `[${host.address}]:${SSH_PORT} ${type} ${key}\n`);
  const inventory = writeInventoryFor([host], {}, {
    [host.name]: { ...becomeVars(host), ansible_port: SSH_PORT, ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts}` },
  });

  const run = await runCli(['apply', inventory, '--playbook', playbook, '--json']);
  t.is(run.code, 0, explain(run));
  t.is(hostReport(run, host.name)?.status, 'changed');
  t.is(hostReport(run, host.name)?.tasks.find((task) => task.name === 'after the firewall')?.status, 'changed', 'the session survived the firewall');

  const ufw = await ufwStatus(onPort);
  t.true(ufw.active);
  t.regex(ufw.defaults, /deny \(incoming\)/);
  t.true(ipv4Rules(ufw.rules).includes(`${SSH_PORT}/tcp ALLOW IN Anywhere`), ufw.rules.join('\n'));
  t.true(ipv4Rules(ufw.rules).includes('8080/tcp ALLOW IN Anywhere'), ufw.rules.join('\n'));

  // a new connection on that port, by the tool and by plain SSH
  const fresh = await sshExec(onPort, 'cat /etc/clamprovision-fault/after-firewall');
  t.is(fresh.stdout.trim(), 'still connected');
  const again = await runCli(['apply', inventory, '--playbook', playbook, '--json']);
  t.is(again.code, 0, explain(again));
  t.is(hostReport(again, host.name)?.status, 'ok', 'idempotent, and reachable through the firewall');
  // the listener still listens on both ports: only the firewall can keep 9999 from answering
  t.is(await onHost(onPort, `ss -Hltn 'sport = :${CLOSED_PORT}' | wc -l`), '1', 'something listens on the closed port');
  t.is(await tcpProbe(host.address, ALLOWED_PORT, PROBE_TIMEOUT_MS), 'connected', 'control: an allowed port answers within the timeout');
  t.is(await tcpProbe(host.address, CLOSED_PORT, PROBE_TIMEOUT_MS), 'timeout', 'ufw drops connections to a port no rule allows');
  t.is(await tcpProbe(host.address, ALLOWED_PORT, PROBE_TIMEOUT_MS), 'connected', 'control, after: the machine was not too slow to answer');
});
