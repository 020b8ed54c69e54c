/**
 * Issue 7, point 8: secrets. apply and plan with --json --diff -v (and the human output with --diff
 * -v) never print a `${SECRET_KEY}` value (in a service's env, listed in `secrets`), not even after
 * it is rotated, nor the sudo password; on the host every file holding the secret is mode 0640,
 * group clam; neither value ever shows in a process's command line on the host during the runs.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { becomeVars, labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { hello, httpGet, onHost } from '../e2e/helpers.js';
import { explain, hostReport, onHostInBackground, runCli, type CliRun, writeInventoryFor } from './helpers.js';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;
const firstSecret = `sk-first-${randomBytes(12).toString('hex')}`;
const rotatedSecret = `sk-rotated-${randomBytes(12).toString('hex')}`;
const PATTERNS = '/root/secret-patterns';
const LEAKS = '/root/secret-leaks.log';
const SAMPLES = '/root/secret-samples.log';
const STOP = '/root/secret-sampler.stop';

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts(['fault10'], { fresh: true })) as [LabHost];
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault10']);
});

const serial = labAvailable ? test.serial : test.skip;

function inventory(): string {
  return writeInventoryFor([host], {}, {
    [host.name]: {
      ...becomeVars(host),
      ansible_become_password: '${FAULT_BECOME_PASSWORD}',
      services: [hello('hello', '/', { env: { SECRET_KEY: '${SECRET_KEY}', GREETING: 'hi' }, secrets: ['SECRET_KEY'] })],
    },
  });
}

function run(command: 'apply' | 'plan', secret: string, ...extra: string[]): Promise<CliRun> {
  return runCli([command, inventory(), ...extra], {
    env: { ...process.env, SECRET_KEY: secret, FAULT_BECOME_PASSWORD: host.becomePassword },
  });
}

function assertNothingShown(t: import('ava').ExecutionContext, result: CliRun, label: string): void {
  const all = result.stdout + result.stderr;
  for (const [name, value] of [['the first secret', firstSecret], ['the rotated secret', rotatedSecret], ['the sudo password', host.becomePassword]] as const) {
    t.false(all.includes(value), `${label}: ${name} is printed`);
  }
}

/** On the host, as root: every 0.1 s, every process's command line is searched for the values (read from a file). */
async function startSampler(): Promise<void> {
  await onHost(host, `rm -f ${LEAKS} ${SAMPLES} ${STOP}; printf '%s\\n' '${firstSecret}' '${rotatedSecret}' '${host.becomePassword}' > ${PATTERNS}`);
  await onHostInBackground(
    host,
    `i=0; while [ ! -e ${STOP} ] && [ $i -lt 30000 ]; do ` +
      `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done | grep -F -f ${PATTERNS} >> ${LEAKS}; ` +
      `i=$((i+1)); echo $i > ${SAMPLES}; sleep 0.1; done`,
  );
}

async function stopSampler(): Promise<{ samples: number; leaks: string }> {
  await onHost(host, `touch ${STOP}; sleep 0.5`);
  return { samples: Number(await onHost(host, `cat ${SAMPLES}`)), leaks: await onHost(host, `cat ${LEAKS} 2>/dev/null || true`) };
}

serial('apply and plan with --json --diff -v never show the secret or the sudo password', async (t) => {
  await startSampler();
  const first = await run('apply', firstSecret, '--json', '--diff', '-v');
  t.is(first.code, 0, explain(first));
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

serial('no process on the host had either secret or the sudo password in its command line during the runs', async (t) => {
  const sampler = await stopSampler();
  t.true(sampler.samples > 20, `the sampler looked ${sampler.samples} times`);
  t.is(sampler.leaks, '');
});

serial('every file on the host that holds the secret is mode 0640, group clam', async (t) => {
  const files = (await onHost(host, `grep -rlF -e '${rotatedSecret}' /etc /opt /var/lib/clam /srv /home 2>/dev/null || true`))
    .split('\n')
    .filter(Boolean);
  t.true(files.length > 0, 'the service gets its secret from some file');
  for (const file of files) {
    t.is(await onHost(host, `stat -c '%a %G' '${file}'`), '640 clam', file);
  }
});
