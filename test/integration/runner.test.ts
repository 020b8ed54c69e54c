/**
 * Issue 3: the runner with every module on real lab hosts — two as root, one as `deploy` with sudo.
 * Checks look at the hosts themselves (dpkg, stat, systemctl, ufw, HTTP from this machine).
 */
import test from 'ava';
import { join } from 'node:path';
import { becomeVars, labAvailable, labHosts, labIndexTrustedHost, labIndexUrl, labUnavailableReason, type LabHost } from '../lab/hosts.js';
import { changedTasks, cli, explain, httpGet, mainPid, onHost, repoRoot, writeInventory } from '../e2e/helpers.js';

const playbook = join(repoRoot, 'test', 'fixtures', 'every-module', 'playbook.yml');
const SUDO_PASSWORD_VARIABLE = 'RUNNER_BECOME_PASSWORD';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let hosts: LabHost[] = [];
let inventory = '';

function run(command: 'apply' | 'plan', ...extra: string[]) {
  return cli([command, inventory, '--playbook', playbook, ...extra]);
}

/** A fingerprint of what plan must never change: contents, modes, owners and mtimes. */
function hostStateFingerprint(host: LabHost): Promise<string> {
  return onHost(
    host,
    `find /etc /opt /var/lib/dpkg /var/lib/apt/lists -xdev -printf '%p %m %u %g %s %T@ %l\\n' | sort | sha256sum; ` +
      `find /etc /opt /var/lib/dpkg /var/lib/apt/lists -xdev -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum`,
  );
}

test.before(async () => {
  if (!labAvailable) return;
  hosts = await labHosts(['runner1', 'runner2', 'runner3'], { fresh: true });
  const become = hosts[2]!;
  process.env[SUDO_PASSWORD_VARIABLE] = become.becomePassword;
  inventory = writeInventory(
    hosts,
    { pip_index_url: labIndexUrl(), pip_trusted_host: labIndexTrustedHost() },
    { [become.name]: { ...becomeVars(become), ansible_become_password: `\${${SUDO_PASSWORD_VARIABLE}}` } },
  );
});

if (labAvailable) {
  test.serial('first apply converges every host: packages, user, files, venv, service and firewall are there', async (t) => {
    const result = await run('apply');
    t.is(result.code, 0, explain(result));
    for (const host of hosts) {
      t.is(result.report?.hosts.find((h) => h.name === host.name)?.status, 'changed');
      const packages = await onHost(host, `dpkg-query -W -f='\${Package} \${Status}\\n' ufw curl python3-venv`);
      for (const name of ['ufw', 'curl', 'python3-venv']) t.regex(packages, new RegExp(`^${name} install ok installed$`, 'm'));
      t.regex(await onHost(host, 'getent passwd cptest'), /^cptest:x:\d+:\d+::.*:\/usr\/sbin\/nologin$/);
      t.is(await onHost(host, 'stat -c "%a %U %G" /opt/cptest /opt/cptest/site/greeting.txt'), '755 root cptest\n644 root cptest');
      t.is(await onHost(host, 'readlink /opt/cptest/current'), '/opt/cptest/site');
      t.is(await onHost(host, 'test -x /opt/cptest/venv/bin/pip && test -f /opt/cptest/marker && echo yes'), 'yes');
      t.is(await onHost(host, 'systemctl is-active cptest; systemctl is-enabled cptest'), 'active\nenabled');
      t.is(await onHost(host, `ps -o user= -p ${await mainPid(host, 'cptest')}`), 'cptest');
      const ufw = await onHost(host, 'ufw status');
      t.regex(ufw, /Status: active/);
      t.regex(ufw, /^22\/tcp\s+ALLOW/m);
      t.regex(ufw, /^8080\/tcp\s+ALLOW/m);
      t.is((await httpGet(`http://${host.address}:8080/greeting.txt`)).body, `hello from ${host.name}\n`);
    }
  });

  test.serial('a second apply changes nothing and restarts nothing', async (t) => {
    const before = await Promise.all(hosts.map((h) => mainPid(h, 'cptest')));
    const result = await run('apply');
    t.is(result.code, 0, explain(result));
    t.deepEqual(result.report?.summary, { ok: 3, changed: 0, failed: 0, unreachable: 0 });
    for (const host of hosts) t.deepEqual(changedTasks(result, host.name), []);
    t.deepEqual(await Promise.all(hosts.map((h) => mainPid(h, 'cptest'))), before);
  });

  test.serial('plan after apply exits 0 with at most 3 remote commands per host', async (t) => {
    const result = await run('plan');
    t.is(result.code, 0, explain(result));
    for (const host of result.report?.hosts ?? []) t.true((host as { commands?: number }).commands! <= 3, `${host.name} ran ${JSON.stringify(host)}`);
  });

  test.serial('a hand-edited file: plan exits 2 with the diff and changes nothing; apply fixes exactly that task', async (t) => {
    const [edited, ...others] = hosts as [LabHost, ...LabHost[]];
    await onHost(edited, 'echo tampered > /opt/cptest/site/greeting.txt');
    const before = await hostStateFingerprint(edited);
    const plan = await run('plan');
    t.is(plan.code, 2, explain(plan));
    t.deepEqual(changedTasks(plan, edited.name), ['greeting page', 'restart cptest']);
    const diff = (plan.report?.hosts.find((h) => h.name === edited.name)?.tasks.find((x) => x.name === 'greeting page') as { diff?: string })?.diff ?? '';
    t.regex(diff, /^-tampered$/m);
    t.regex(diff, new RegExp(`^\\+hello from ${edited.name}$`, 'm'));
    for (const other of others) t.deepEqual(changedTasks(plan, other.name), []);
    t.is(await hostStateFingerprint(edited), before, 'plan must leave /etc, /opt, dpkg and apt lists byte-for-byte unchanged');

    const pid = await mainPid(edited, 'cptest');
    const apply = await run('apply');
    t.is(apply.code, 0, explain(apply));
    t.deepEqual(changedTasks(apply, edited.name), ['greeting page', 'restart cptest']);
    for (const other of others) t.deepEqual(changedTasks(apply, other.name), []);
    t.is(await onHost(edited, 'cat /opt/cptest/site/greeting.txt'), `hello from ${edited.name}`);
    t.not(await mainPid(edited, 'cptest'), pid, 'the handler restarted the service');
  });

  test.serial('the sudo password never shows in the output', async (t) => {
    const result = await run('plan', '--diff', '-v');
    t.false((result.stdout + result.stderr).includes(hosts[2]!.becomePassword));
  });
}
