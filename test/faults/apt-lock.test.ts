/**
 * Issue 7, point 4: another apt/dpkg process holds the locks (as unattended-upgrades or an admin's
 * apt-get does after boot): apply waits for them, then installs and succeeds; plan does not wait.
 */
import test from 'ava';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { onHost } from '../e2e/helpers.js';
import { explain, faultsFixtures, hostReport, onHostInBackground, runCli, waitFor, writeInventoryFor } from './helpers.js';

const playbook = join(faultsFixtures, 'apt-package.yml');
const HOLD_SECONDS = 40;

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts(['fault7'], { fresh: true })) as [LabHost];
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault7']);
});

const serial = labAvailable ? test.serial : test.skip;

/**
 * Holds apt's and dpkg's locks the way apt does (fcntl write locks, which flock(1) would not
 * conflict with) for SECONDS, then releases them. Perl is in every Debian (perl-base).
 */
const HOLDER = `use Fcntl;
my @files = ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock", "/var/cache/apt/archives/lock");
my @handles;
for my $file (@files) {
  open(my $fh, ">>", $file) or die "open $file: $!";
  my $lock = pack("ssx4qqlx4", F_WRLCK, 0, 0, 0, 0);
  fcntl($fh, F_SETLKW, $lock) or die "lock $file: $!";
  push @handles, $fh;
}
$| = 1;
print "held\\n";
sleep($ARGV[0]);
print "released\\n";
`;

serial('apt and dpkg locked by another process: apply waits, then installs; plan meanwhile does not wait', async (t) => {
  t.is((await sshExec(host, 'dpkg-query -W -f="\\${Status}" curl')).stdout.includes('install ok installed'), false, 'curl is not there yet');
  await onHost(host, `cat > /root/hold-apt-locks.pl <<'EOF'\n${HOLDER}EOF`);
  await onHostInBackground(host, `perl /root/hold-apt-locks.pl ${HOLD_SECONDS}`, '/root/hold-apt-locks.log');
  const heldAt = Date.now();
  await waitFor('the locks to be held', async () => (await onHost(host, 'cat /root/hold-apt-locks.log')).includes('held'), 20_000);
  // control: the locks really keep apt out
  const blocked = await sshExec(host, 'apt-get -q -y -o DPkg::Lock::Timeout=0 install curl');
  t.not(blocked.code, 0);
  t.regex(blocked.stdout + blocked.stderr, /Could not get lock/);

  const inventory = writeInventoryFor([host]);
  const plan = await runCli(['plan', inventory, '--playbook', playbook, '--json']);
  t.is(plan.code, 2, explain(plan));
  t.true(Date.now() - heldAt < HOLD_SECONDS * 1000, 'plan did not wait for the locks');
  t.regex(await onHost(host, 'cat /root/hold-apt-locks.log'), /^held$/m);

  const run = await runCli(['apply', inventory, '--playbook', playbook, '--json']);
  t.is(run.code, 0, explain(run));
  t.is(hostReport(run, host.name)?.status, 'changed');
  t.true(Date.now() - heldAt >= HOLD_SECONDS * 1000, 'apply cannot have installed while the locks were held');
  t.regex(await onHost(host, 'cat /root/hold-apt-locks.log'), /^released$/m, 'apply finished after the other process let go');
  t.is(await onHost(host, 'dpkg-query -W -f="\\${Status}" curl'), 'install ok installed');
  t.is(await onHost(host, 'dpkg --audit; echo audit-done'), 'audit-done', 'dpkg is consistent');
});
