/**
 * Issue 7, point 1: unreachable hosts (closed port, no route, wrong key, wrong password, an sshd that
 * never answers) are reported `unreachable` with the reason, within the connect timeout, while the
 * other hosts converge; the run exits 4.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { ADDRESSES_FILE, BRIDGE, readJson } from '../lab/state.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, faultsTempDir, hostReport, NO_HOST_ADDRESS, NO_HOST_OCTET, runCli, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'marker.yml');
const DEFAULT_CONNECT_TIMEOUT_S = 10;
/** Slack for starting node, SSH handshakes of the good hosts and a busy test machine: not part of the promise. */
const MARGIN_S = 20;

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let good: LabHost;
let other: LabHost;
let wrongKey = '';

test.before(async () => {
  if (!labAvailable) return;
  [good, other] = (await labHosts(['fault1', 'fault2'], { fresh: true })) as [LabHost, LabHost];
  wrongKey = join(faultsTempDir('wrong-key'), 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-authorised', '-f', wrongKey]);
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault1', 'fault2']);
});

const serial = labAvailable ? test.serial : test.skip;

serial('closed port, no route, wrong key and wrong password: those hosts are unreachable with the reason, the others converge, exit 4', async (t) => {
  const names = {
    closedPort: 'closed-port',
    noRoute: 'no-route',
    wrongKey: 'wrong-key',
    wrongPassword: 'wrong-password',
    byPassword: 'by-password',
  };
  const inventory = writeInventoryFor(
    [
      good,
      { name: names.closedPort, address: good.address },
      { name: names.noRoute, address: NO_HOST_ADDRESS },
      { name: names.wrongKey, address: other.address },
      { name: names.wrongPassword, address: other.address },
      { name: names.byPassword, address: other.address },
    ],
    {},
    {
      [names.closedPort]: { ansible_port: 2 },
      [names.wrongKey]: { ansible_ssh_private_key_file: wrongKey },
      // the refused key first, then the password: only the password decides
      [names.wrongPassword]: { ansible_user: other.becomeUser, ansible_ssh_private_key_file: wrongKey, ansible_password: 'not-the-password' },
      // the control: the same way in with the right password converges
      [names.byPassword]: {
        ansible_user: other.becomeUser,
        ansible_ssh_private_key_file: wrongKey,
        ansible_password: other.becomePassword,
        ansible_become: true,
        ansible_become_password: other.becomePassword,
      },
    },
  );
  const taken = Object.values(readJson<Record<string, number>>(ADDRESSES_FILE, {}));
  t.false(taken.includes(NO_HOST_OCTET), `${NO_HOST_ADDRESS} was given to a lab host: pick another unused address`);
  // the address is on this lab instance's bridge (not another instance's, nor the default route)
  t.regex(execFileSync('ip', ['-4', 'route', 'get', NO_HOST_ADDRESS], { encoding: 'utf8' }), new RegExp(` dev ${BRIDGE} `), `${NO_HOST_ADDRESS} is not on ${BRIDGE}`);
  const run = await runCli(['apply', inventory, '--playbook', playbook, '--json']);
  t.is(run.code, 4, explain(run));
  t.true(run.ms < (DEFAULT_CONNECT_TIMEOUT_S + MARGIN_S) * 1000, `the run took ${run.ms} ms\n${explain(run)}`);

  for (const name of [good.name, names.byPassword]) {
    t.is(hostReport(run, name)?.status, 'changed', `${name}\n${explain(run)}`);
  }
  t.is(await onHost(good, 'cat /etc/clamprovision-fault/marker'), `converged on ${good.name}`);
  t.is(await onHost(other, 'cat /etc/clamprovision-fault/marker'), `converged on ${names.byPassword}`);

  const reasons: Record<string, RegExp> = {
    [names.closedPort]: /connection refused .*:2\b/i,
    [names.noRoute]: new RegExp(`(no route to|timed out connecting to) .*${NO_HOST_ADDRESS.replaceAll('.', '\\.')}`, 'i'),
    [names.wrongKey]: /authentication failed/i,
    [names.wrongPassword]: /authentication failed for deploy@/i,
  };
  for (const [name, reason] of Object.entries(reasons)) {
    const host = hostReport(run, name);
    t.is(host?.status, 'unreachable', `${name}\n${explain(run)}`);
    t.regex(host?.error ?? '', reason, name);
    t.deepEqual(host?.tasks, [], `${name} ran no task`);
  }
  t.deepEqual(run.report?.summary, { ok: 0, changed: 2, failed: 0, unreachable: 4 });
  t.false(run.stdout.includes('not-the-password') || run.stderr.includes('not-the-password'), 'the wrong password is a secret too');
  t.false(run.stdout.includes(other.becomePassword) || run.stderr.includes(other.becomePassword));

  // the human report says the same
  const text = await runCli(['apply', inventory, '--playbook', playbook, '--limit', `${names.closedPort},${good.name}`]);
  t.is(text.code, 4, explain(text));
  t.regex(text.stdout + text.stderr, /closed-port.*unreachable|unreachable.*closed-port/i);
  t.regex(text.stdout + text.stderr, /connection refused/i);
});

serial('an sshd that accepts the connection but never answers: unreachable after --connect-timeout, not later', async (t) => {
  // A listener on the loopback that takes the TCP connection and says nothing (a hung sshd).
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const inventory = writeInventoryFor([good, { name: 'hung-sshd', address: '127.0.0.1' }], {}, { 'hung-sshd': { ansible_port: port } });
    const timeoutS = 4;
    const run = await runCli(['apply', inventory, '--playbook', playbook, '--json', '--connect-timeout', String(timeoutS)]);
    t.is(run.code, 4, explain(run));
    t.is(hostReport(run, 'hung-sshd')?.status, 'unreachable');
    t.regex(hostReport(run, 'hung-sshd')?.error ?? '', /timed out/i);
    t.is(hostReport(run, good.name)?.status, 'ok', explain(run));
    t.true(run.ms >= timeoutS * 1000, `gave up after ${run.ms} ms, before the timeout`);
    t.true(run.ms < (timeoutS + MARGIN_S) * 1000, `took ${run.ms} ms`);
    t.true(sockets.length >= 1, 'the tool did connect to the listener');
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});
