/**
 * Issue 7, point 8: secrets. apply and plan with --json --diff -v (and the human output with --diff
 * -v) never print a `${SECRET_KEY}` value (in a service's env, listed in `secrets`), not even after
 * it is rotated, nor the sudo password; on the host every file holding a secret is mode 0640,
 * group clam; neither value ever shows in a process's command line on the host or on the controller
 * during the runs.
 *
 * Issue 17, must-show 3: the sudo password comes from a vault-encrypted host_vars file (made by
 * ansible-vault: test/fixtures/faults/vault-become), decrypted with --vault-password-file. The
 * connection user is the non-root deploy user, whose sudo needs that password. A wrong vault
 * password stops the run with a clear error, exit 1, before the host is touched.
 *
 * Command lines on the host are watched two ways, each with a planted canary it must see: every exec
 * of the SSH sessions (strace on sshd, so no command is too short to be seen) and a sampler of
 * /proc/PID/cmdline for the processes that systemd starts (services, their helpers). On the
 * controller, a sampler of /proc/PID/cmdline, with a canary of its own.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { hello, httpGet, onHost } from '../e2e/helpers.js';
import {
  type CommandLineWatch,
  explain,
  faultsFixtures,
  hostReport,
  onHostInBackground,
  runCli,
  type CliRun,
  waitFor,
  watchControllerCommandLines,
  writeInventoryFor,
} from './helpers.js';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;
const firstSecret = `sk-first-${randomBytes(12).toString('hex')}`;
const rotatedSecret = `sk-rotated-${randomBytes(12).toString('hex')}`;
/** planted in a short command of an SSH session: the exec tracer must see it */
const execCanary = `canary-exec-${randomBytes(8).toString('hex')}`;
/** planted in a long-running process started outside SSH (by systemd): the /proc sampler must see it */
const procCanary = `canary-proc-${randomBytes(8).toString('hex')}`;
/** the watchers' own files (they hold the values): the only place on the host where the values may be */
const PROBE_DIR = '/root/secret-probe';
const PATTERNS = `${PROBE_DIR}/patterns`;
const SECRETS_ONLY = `${PROBE_DIR}/secrets`;
const LEAKS = `${PROBE_DIR}/cmdline-leaks.log`;
const SAMPLES = `${PROBE_DIR}/samples`;
const STOP = `${PROBE_DIR}/sampler.stop`;
const EXEC_LOG = `${PROBE_DIR}/exec.log`;
const VAULT_FIXTURES = join(faultsFixtures, 'vault-become');
/** what the fixture's vault-encrypted host_vars/fault10.yml holds as ansible_become_password (its SOURCE says how it was made) */
const becomePassword = 'sudo-from-vault-Q7p2Xw';
/** planted in a process on the controller: the controller's sampler must see it */
const controllerCanary = `canary-controller-${randomBytes(8).toString('hex')}`;
let controllerWatch: CommandLineWatch | undefined;

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts(['fault10'], { fresh: true })) as [LabHost];
  // the password in the vault becomes the deploy user's (on stdin: never in a command line)
  const changed = await sshExec(host, 'chpasswd', { stdin: `${host.becomeUser}:${becomePassword}\n` });
  if (changed.code !== 0) throw new Error(`chpasswd: ${changed.stderr}`);
  // strace for the exec tracer, through the lab's apt proxy
  await onHost(host, 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends strace >/dev/null');
});

test.after.always(async () => {
  controllerWatch?.stop();
  if (labAvailable) await stopLabHosts(['fault10']);
});

const serial = labAvailable ? test.serial : test.skip;

/** The inventory, with the vault-encrypted host_vars/fault10.yml (the sudo password) beside it. */
function inventory(): string {
  const path = writeInventoryFor([host], {}, {
    [host.name]: {
      ansible_user: host.becomeUser,
      ansible_become: true,
      services: [hello('hello', '/', { env: { SECRET_KEY: '${SECRET_KEY}', GREETING: 'hi' }, secrets: ['SECRET_KEY'] })],
    },
  });
  mkdirSync(join(dirname(path), 'host_vars'));
  copyFileSync(join(VAULT_FIXTURES, 'host_vars', `${host.name}.yml`), join(dirname(path), 'host_vars', `${host.name}.yml`));
  return path;
}

function run(command: 'apply' | 'plan', secret: string, ...extra: string[]): Promise<CliRun> {
  return runCli([command, inventory(), '--vault-password-file', join(VAULT_FIXTURES, 'vault-password.txt'), ...extra], {
    env: { ...process.env, SECRET_KEY: secret },
  });
}

/** Successful logins of the deploy user (the tool's connection user; the tests' own checks log in as root). */
async function deployLogins(): Promise<number> {
  return Number(await onHost(host, `journalctl -u ssh --no-pager -o cat | grep -c '^Accepted publickey for ${host.becomeUser} ' || true`));
}

function assertNothingShown(t: import('ava').ExecutionContext, result: CliRun, label: string): void {
  const all = result.stdout + result.stderr;
  for (const [name, value] of [['the first secret', firstSecret], ['the rotated secret', rotatedSecret], ['the sudo password', becomePassword]] as const) {
    t.false(all.includes(value), `${label}: ${name} is printed`);
  }
}

/**
 * Starts both watchers on the host, as root, with the values in a file (sent on stdin: never in a
 * command line), and checks that each sees its canary before any run starts.
 */
async function startWatchers(): Promise<void> {
  const values = [firstSecret, rotatedSecret, becomePassword];
  const written = await sshExec(
    host,
    `rm -rf ${PROBE_DIR} && mkdir -m 700 ${PROBE_DIR} && cat > ${PATTERNS} && head -n 2 ${PATTERNS} > ${SECRETS_ONLY} && echo ok`,
    { stdin: [...values, execCanary, procCanary].join('\n') + '\n' },
  );
  if (written.stdout.trim() !== 'ok') throw new Error(`patterns: ${written.stderr}`);
  // every execve of sshd and everything it starts (the tool's sessions and ours)
  await onHostInBackground(host, `exec strace -f -qq -s 65536 -e trace=execve -e signal=none -o ${EXEC_LOG} -p "$(systemctl show -p MainPID --value ssh)"`);
  await waitFor('the exec tracer to see a short command with the canary', async () => {
    await sshExec(host, `true ${execCanary}`);
    return (await sshExec(host, `grep -c -F -f ${PATTERNS} ${EXEC_LOG}`)).stdout.trim() !== '0';
  }, 30_000, 500);
  // /proc of every process, every 0.1 s
  await onHostInBackground(
    host,
    `i=0; while [ ! -e ${STOP} ] && [ $i -lt 30000 ]; do ` +
      `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done | grep -F -f ${PATTERNS} >> ${LEAKS}; ` +
      `i=$((i+1)); echo $i > ${SAMPLES}; sleep 0.1; done`,
  );
  // a process started by systemd, not by a session, with the canary in its command line for 3 s
  await onHost(host, `systemd-run --quiet --unit=secret-probe-canary sh -c 'sleep 3' ${procCanary}`);
  await waitFor('the /proc sampler to see the canary', async () => (await sshExec(host, `grep -c -F -f ${PATTERNS} ${LEAKS}`)).stdout.trim() !== '0', 30_000, 500);
}

interface Watched {
  samples: number;
  /** lines of either watcher holding one of the values or canaries */
  sampled: string[];
  execs: string[];
}

async function stopWatchers(): Promise<Watched> {
  // strace detaches on SIGINT; should a tracee keep it from detaching, SIGKILL ends it (the kernel then detaches its tracees)
  const stopped = await sshExec(
    host,
    `touch ${STOP}; pkill -INT -x strace; for i in $(seq 50); do pgrep -x strace >/dev/null || exit 0; sleep 0.2; done; pkill -KILL -x strace; echo killed`,
    { timeoutMs: 60_000 },
  );
  if (stopped.stdout.includes('killed')) process.stderr.write(`secrets: strace did not detach on SIGINT within 10 s and was killed\n`);
  await waitFor('the exec tracer to stop', async () => (await sshExec(host, 'pgrep -x strace', { timeoutMs: 20_000 })).code === 1, 30_000);
  await waitFor('the sampler to stop', async () => (await sshExec(host, `pgrep -f '[w]hile \\[ ! -e ${STOP}'`, { timeoutMs: 20_000 })).code === 1, 30_000);
  const lines = async (command: string) => (await onHost(host, command)).split('\n').filter(Boolean);
  return {
    samples: Number(await onHost(host, `cat ${SAMPLES}`)),
    sampled: await lines(`cat ${LEAKS} 2>/dev/null || true`),
    execs: await lines(`grep -F -f ${PATTERNS} ${EXEC_LOG} || true`),
  };
}

/** Starts the controller's sampler and checks that it sees a process with its canary. */
async function startControllerWatch(): Promise<void> {
  controllerWatch = watchControllerCommandLines([firstSecret, rotatedSecret, becomePassword, controllerCanary]);
  const canary = spawn('sh', ['-c', 'sleep 3', controllerCanary], { stdio: 'ignore' });
  await new Promise<void>((resolve) => canary.once('exit', () => resolve()));
}

serial("control: the deploy user's sudo needs the password", async (t) => {
  const withoutPassword = await sshExec(host, 'sudo -n true', { user: host.becomeUser });
  t.not(withoutPassword.code, 0, 'sudo without a password must fail');
  t.regex(withoutPassword.stderr, /password is required/);
});

serial('a wrong vault password: a clear error, exit 1, and the host is not touched', async (t) => {
  const loginsBefore = await deployLogins();
  const wrong = await runCli(['apply', inventory(), '--vault-password-file', join(VAULT_FIXTURES, 'wrong-vault-password.txt'), '--json', '--diff', '-v'], {
    env: { ...process.env, SECRET_KEY: firstSecret },
  });
  t.is(wrong.code, 1, explain(wrong));
  t.regex(wrong.stderr, new RegExp(`host_vars/${host.name}\\.yml:1:1: cannot decrypt this Ansible Vault data: no vault password given fits`), explain(wrong));
  assertNothingShown(t, wrong, 'apply with a wrong vault password');
  t.is(await deployLogins(), loginsBefore, 'the tool logged in');
  t.is((await sshExec(host, 'test -e /etc/clam')).code, 1, 'something was deployed');
});

serial('apply and plan with --json --diff -v never show the secret or the sudo password', async (t) => {
  await startWatchers();
  await startControllerWatch();
  const loginsBefore = await deployLogins();
  const first = await run('apply', firstSecret, '--json', '--diff', '-v');
  t.is(first.code, 0, explain(first));
  t.true((await deployLogins()) > loginsBefore, 'control: the run logged in as the deploy user');
  assertNothingShown(t, first, 'apply --json --diff -v');
  t.regex(first.stdout, /"diff"/, 'diffs are in the report');
  t.is((await httpGet(`http://${host.address}/`)).status, 200);

  const unchanged = await run('plan', firstSecret, '--json', '--diff', '-v');
  t.is(unchanged.code, 0, explain(unchanged));
  assertNothingShown(t, unchanged, 'plan --json --diff -v');
});

serial('a rotated secret: plan and apply (--json and human, --diff -v) show neither the old nor the new value', async (t) => {
  // the diff of the env file has the old value (read from the host) and the new one
  const rotating = await run('plan', rotatedSecret, '--json', '--diff', '-v');
  t.is(rotating.code, 2, explain(rotating));
  assertNothingShown(t, rotating, 'plan of a rotated secret');
  t.regex(rotating.stdout, /-SECRET_KEY=\\"\*{8}/, 'the diff still says that SECRET_KEY changes, masked');
  const humanPlan = await run('plan', rotatedSecret, '--diff', '-v');
  t.is(humanPlan.code, 2, explain(humanPlan));
  assertNothingShown(t, humanPlan, 'human plan of a rotated secret');
  const rotated = await run('apply', rotatedSecret, '--diff', '-v');
  t.is(rotated.code, 0, explain(rotated));
  assertNothingShown(t, rotated, 'human apply of a rotated secret');
  t.is(hostReport(await run('apply', rotatedSecret, '--json'), host.name)?.status, 'ok');
});

serial('no process on the host or the controller had either secret or the sudo password in its command line during the runs', async (t) => {
  const controller = controllerWatch!.stop();
  t.true(controller.samples > 20, `the controller's sampler looked ${controller.samples} times`);
  t.true(controller.hits.some((line) => line.includes(controllerCanary)), "control: the controller's sampler saw the process with its canary");
  t.deepEqual(controller.hits.filter((line) => !line.includes(controllerCanary)), [], 'a process on the controller had a secret in its command line');
  const watched = await stopWatchers();
  const canaries = (line: string) => line.includes(execCanary) || line.includes(procCanary);
  t.true(watched.samples > 20, `the sampler looked ${watched.samples} times`);
  t.true(watched.execs.some((line) => line.includes(execCanary)), 'control: the exec tracer saw the short command with its canary');
  t.true(watched.sampled.some((line) => line.includes(procCanary)), 'control: the sampler saw the process with its canary');
  t.true(Number(await onHost(host, `grep -c 'execve(' ${EXEC_LOG}`)) > 100, 'the tracer saw the runs');
  t.deepEqual(watched.execs.filter((line) => !canaries(line)), [], 'a command of an SSH session had a secret in its command line');
  t.deepEqual(watched.sampled.filter((line) => !canaries(line)), [], 'a process had a secret in its command line');
});

serial('every file on the host that holds a secret (temporary and log directories included) is mode 0640, group clam', async (t) => {
  // every file of the host's own file systems, /tmp, /var/tmp, /run and /var/log included; not /proc, /sys, /dev and the watchers' files
  const files = (
    await onHost(
      host,
      `find / \\( -path /proc -o -path /sys -o -path /dev -o -path ${PROBE_DIR} \\) -prune -o -type f -print0 | xargs -0 grep -lF -f ${SECRETS_ONLY} 2>/dev/null || true`,
    )
  )
    .split('\n')
    .filter(Boolean);
  t.true(files.length > 0, 'the service gets its secret from some file');
  t.true(files.some((file) => file.startsWith('/etc/clam/hello/')), files.join('\n'));
  for (const file of files) {
    t.is(await onHost(host, `stat -c '%a %G' '${file}'`), '640 clam', file);
  }
});
