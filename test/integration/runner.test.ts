/**
 * Issue 3: the runner with every module on real lab hosts — two as root, one as `deploy` with sudo.
 * Checks look at the hosts themselves (dpkg, stat, systemctl, ufw, HTTP from this machine).
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { becomeVars, labAvailable, labHosts, labIndexTrustedHost, labIndexUrl, labInventoryYaml, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { changedTasks, cli, explain, hostReport, httpGet, mainPid, onHost, repoRoot, writeInventory } from '../e2e/helpers.js';
import { labHostPublicKeyFile, waitFor } from '../faults/helpers.js';
import { runCli } from '../helpers/cli.js';
import { plainText, redrawsInPlace, startCliOnTerminal } from '../helpers/pty.js';
import { testTempDir } from '../helpers/temp-dir.js';

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

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['runner1', 'runner2', 'runner3']);
});

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
  test.serial('plan on bare hosts changes nothing on them, not even the apt lists', async (t) => {
    const before = await Promise.all(hosts.map(hostStateFingerprint));
    const result = await run('plan');
    t.is(result.code, 2, explain(result));
    t.is(result.report?.hosts.length, hosts.length, explain(result));
    for (const host of result.report?.hosts ?? []) t.true(host.tasks.some((task) => task.name === 'packages' && task.status === 'changed'), `${host.name} would install packages`);
    t.deepEqual(await Promise.all(hosts.map(hostStateFingerprint)), before, 'plan must leave /etc, /opt, dpkg and apt lists byte-for-byte unchanged');
  });

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

  test.serial('a no-op apply runs three remote commands per host: the lock, the facts, the health check', async (t) => {
    const result = await run('apply');
    t.is(result.code, 0, explain(result));
    t.truthy(result.report, explain(result));
    t.deepEqual(
      result.report?.hosts.map((host) => ({ name: host.name, status: host.status, commands: host.commands })),
      hosts.map((host) => ({ name: host.name, status: 'ok', commands: 3 })),
    );
  });

  test.serial('plan after apply exits 0 and reads the facts in one remote command per host', async (t) => {
    const result = await run('plan');
    t.is(result.code, 0, explain(result));
    t.deepEqual(
      result.report?.hosts.map((host) => ({ name: host.name, status: host.status, commands: host.commands })),
      hosts.map((host) => ({ name: host.name, status: 'ok', commands: 1 })),
      explain(result),
    );
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
    t.is(result.code, 0, explain(result));
    t.deepEqual(result.report?.summary, { ok: 3, changed: 0, failed: 0, unreachable: 0 }, 'the become host ran its plan');
    t.false((result.stdout + result.stderr).includes(hosts[2]!.becomePassword));
  });
}

/** Small playbooks of the CLI tests below, written to a scratch directory. */
const scratch = testTempDir('runner');
function writePlaybook(name: string, yaml: string): string {
  const path = join(scratch, name);
  writeFileSync(path, yaml);
  return path;
}

const tagsPlaybook = writePlaybook(
  'tags.yml',
  `- name: tags
  hosts: all
  tasks:
    - {name: untagged, command: {cmd: "echo untagged >> /root/tags.log"}}
    - {name: tagged a, command: {cmd: "echo a >> /root/tags.log"}, tags: [a]}
    - {name: tagged b, command: {cmd: "echo b >> /root/tags.log"}, tags: [b]}
    - {name: tagged always, command: {cmd: "echo always >> /root/tags.log"}, tags: [always]}
`,
);

/**
 * One task per host that records when it ran (this machine's clock: the hosts share its kernel) and fails on fail_on.
 * The task lasts 4 s: on a busy machine one host's connection and facts can take a second longer than
 * another's, and hosts run at once must still overlap.
 */
const rolloutPlaybook = writePlaybook(
  'rollout.yml',
  `- name: rollout
  hosts: all
  defaults: {fail_on: nobody}
  tasks:
    - name: work
      command: {cmd: "date +%s.%N > /root/rollout.start; sleep 4; date +%s.%N > /root/rollout.end; test '{{ inventory_hostname }}' != '{{ fail_on }}'"}
`,
);

const progressPlaybook = writePlaybook(
  'progress.yml',
  `- name: progress
  hosts: all
  tasks:
    - name: "deploy with {{ api_token }}"
      command: {cmd: "true"}
    - name: refused
      command: {cmd: "echo 'the server refused the token {{ api_token }}' >&2; exit 1"}
      when: inventory_hostname == 'runner1'
`,
);

/** When each host's `work` task ran: [name, start, end] in seconds, sorted by start. */
async function rolloutTimes(): Promise<Array<[string, number, number]>> {
  const times = await Promise.all(
    hosts.map(async (host) => {
      const [start, end] = (await onHost(host, 'cat /root/rollout.start /root/rollout.end')).split('\n').map(Number);
      return [host.name, start!, end!] as [string, number, number];
    }),
  );
  return times.sort((a, b) => a[1] - b[1]);
}

function inventoryWith(vars: Record<string, unknown>, hostVars: Record<string, Record<string, unknown>> = {}): string {
  return writeInventory(hosts, { pip_index_url: labIndexUrl(), pip_trusted_host: labIndexTrustedHost(), ...vars }, hostVars);
}

if (labAvailable) {
  test.serial('a failing health check fails its host with exit 3 and names the URL and what it answered; the others succeed', async (t) => {
    const broken = hosts[0]!;
    // cptest keeps running (its unit is active) but listens on another port: only the health check can tell
    await onHost(
      broken,
      `mkdir -p /etc/systemd/system/cptest.service.d && printf '[Service]\\nExecStart=\\nExecStart=/usr/bin/python3 -m http.server 8081 --directory /opt/cptest/current\\n' ` +
        `> /etc/systemd/system/cptest.service.d/elsewhere.conf && systemctl daemon-reload && systemctl restart cptest`,
    );
    try {
      const result = await run('apply');
      t.is(result.code, 3, explain(result));
      const report = hostReport(result, broken.name);
      t.is(report?.status, 'failed');
      t.is(report?.tasks.find((task) => task.name === 'site answers')?.status, 'failed');
      t.regex(report?.error ?? '', /^task 'site answers' failed: GET http:\/\/127\.0\.0\.1:8080\/greeting\.txt: HTTP 000 \(expected below 500\)/);
      for (const other of hosts.slice(1)) t.is(hostReport(result, other.name)?.status, 'ok');
    } finally {
      await onHost(broken, 'rm -r /etc/systemd/system/cptest.service.d && systemctl daemon-reload && systemctl restart cptest');
    }
    await waitFor('cptest on 8080 again', async () => (await httpGet(`http://${broken.address}:8080/greeting.txt`).catch(() => undefined))?.status === 200, 30_000);
    const again = await run('apply');
    t.is(again.code, 0, explain(again));
  });

  test.serial('--tags through the CLI: only the tasks with one of the tags run, and those tagged always', async (t) => {
    const [host] = hosts as [LabHost];
    const tagsLog = async () => (await onHost(host, 'cat /root/tags.log; rm -f /root/tags.log')).split('\n').filter(Boolean);
    await onHost(host, 'rm -f /root/tags.log');
    const tagged = await cli(['apply', inventory, '--playbook', tagsPlaybook, '--limit', host.name, '--tags', 'a']);
    t.is(tagged.code, 0, explain(tagged));
    t.deepEqual(await tagsLog(), ['a', 'always']);
    const untagged = await cli(['apply', inventory, '--playbook', tagsPlaybook, '--limit', host.name]);
    t.is(untagged.code, 0, explain(untagged));
    t.deepEqual(await tagsLog(), ['untagged', 'a', 'b', 'always'], 'control: without --tags every task runs');
  });

  test.serial('--forks 1 through the CLI runs one host at a time; the default runs them at once', async (t) => {
    const one = await cli(['apply', inventory, '--playbook', rolloutPlaybook, '--forks', '1']);
    t.is(one.code, 0, explain(one));
    const sequential = await rolloutTimes();
    for (let i = 1; i < sequential.length; i++) {
      t.true(sequential[i]![1] >= sequential[i - 1]![2], `${sequential[i]![0]} started before ${sequential[i - 1]![0]} ended: ${JSON.stringify(sequential)}`);
    }
    const all = await cli(['apply', inventory, '--playbook', rolloutPlaybook]);
    t.is(all.code, 0, explain(all));
    const parallel = await rolloutTimes();
    const lastStart = Math.max(...parallel.map(([, start]) => start));
    const firstEnd = Math.min(...parallel.map(([, , end]) => end));
    t.true(lastStart < firstEnd, `control: by default the hosts ran at the same time: ${JSON.stringify(parallel)}`);
  });

  test.serial('--serial 1 through the CLI: a failed batch stops the rollout; the later hosts are not contacted and are reported as not run', async (t) => {
    await Promise.all(hosts.map((host) => onHost(host, 'rm -f /root/rollout.start /root/rollout.end')));
    const [first, ...later] = hosts as [LabHost, ...LabHost[]];
    const result = await cli(['apply', inventoryWith({ fail_on: first.name }), '--playbook', rolloutPlaybook, '--serial', '1']);
    t.is(result.code, 3, explain(result));
    t.is(hostReport(result, first.name)?.status, 'failed');
    for (const host of later) {
      t.like(hostReport(result, host.name), { status: 'failed', error: `not run: the rollout stopped after a batch failed (${first.name})`, commands: 0, tasks: [] });
      t.is(await onHost(host, 'test -e /root/rollout.start && echo ran || echo untouched'), 'untouched');
    }
    t.is(await onHost(first, 'test -e /root/rollout.start && echo ran || echo untouched'), 'ran');
  });

  test.serial('-K on a terminal: the sudo password is asked once for every become host, never shown, and sudo works', async (t) => {
    const asDeploy = Object.fromEntries(hosts.map((host) => [host.name, { ansible_user: host.becomeUser, ansible_become: true }]));
    // control: sudo really needs the password on these hosts
    const noPassword = await sshExec(hosts[0]!, 'sudo -k -n true', { user: hosts[0]!.becomeUser });
    t.not(noPassword.code, 0, 'sudo asks for a password');
    const session = startCliOnTerminal(['plan', inventoryWith({}, asDeploy), '--playbook', playbook, '-K'], { timeoutMs: 180_000 });
    await waitFor('the password prompt', async () => plainText(session.screenSoFar()).includes('BECOME password'), 60_000);
    session.type(`${hosts[0]!.becomePassword}\r`);
    const result = await session.done;
    const shown = plainText(result.screen);
    t.is(result.code, 0, shown);
    t.false(result.screen.includes(hosts[0]!.becomePassword), 'the password is never shown');
    t.is(shown.split('✔ BECOME password:').length - 1, 1, 'one answered prompt for the three hosts');
    for (const host of hosts) t.regex(shown, new RegExp(`${host.name} \\(${host.address.replace(/\./g, '\\.')}\\): ok`), `${host.name} planned through sudo`);
  });

  test.serial('the live progress on a terminal redraws each host in place and masks secrets in task names and errors', async (t) => {
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const session = startCliOnTerminal(['apply', inventoryWith({ api_token: '${RUNNER_API_TOKEN}' }), '--playbook', progressPlaybook], {
      env: { ...process.env, RUNNER_API_TOKEN: token },
      timeoutMs: 180_000,
    });
    const result = await session.done;
    const shown = plainText(result.screen);
    t.is(result.code, 3, shown);
    t.true(redrawsInPlace(result.screen), `listr2's live renderer, not plain lines:\n${JSON.stringify(result.screen.slice(0, 2000))}`);
    t.false(result.screen.includes(token), 'the token is never shown');
    t.regex(shown, /runner1: refused: failed: the server refused the token \*{8}/);
    t.regex(shown, /runner2: deploy with \*{8}: changed/);
  });

  test.serial('without a key file in the inventory: ~/.ssh/id_ed25519 is used, else the ssh-agent; with neither the host is unreachable and says why', async (t) => {
    const [host] = hosts as [LabHost];
    const noKeyInventory = join(scratch, 'no-key.yml');
    const yaml = labInventoryYaml([host], { pip_index_url: labIndexUrl(), pip_trusted_host: labIndexTrustedHost() });
    t.regex(yaml, /^\s+ansible_ssh_private_key_file: .*\n/m);
    writeFileSync(noKeyInventory, yaml.replace(/^\s+ansible_ssh_private_key_file: .*\n/m, ''));
    const [keyType, hostKey] = readFileSync(labHostPublicKeyFile(host.name), 'utf8').trim().split(/\s+/);
    const home = (withKey: boolean) => {
      const dir = testTempDir('home');
      mkdirSync(join(dir, '.ssh'), { mode: 0o700 });
      writeFileSync(join(dir, '.ssh', 'known_hosts'), `${host.address} ${keyType} ${hostKey}\n`);
      if (withKey) copyFileSync(host.keyFile, join(dir, '.ssh', 'id_ed25519'));
      if (withKey) chmodSync(join(dir, '.ssh', 'id_ed25519'), 0o600);
      return dir;
    };
    const { SSH_AUTH_SOCK: _agent, ...withoutAgent } = process.env;
    const plan = (env: NodeJS.ProcessEnv) => runCli(['plan', noKeyInventory, '--playbook', playbook, '--json'], { env });

    const byDefaultKey = await plan({ ...withoutAgent, HOME: home(true) });
    t.is(byDefaultKey.code, 0, explain(byDefaultKey));
    t.is(hostReport(byDefaultKey, host.name)?.status, 'ok');

    const emptyHome = home(false);
    const nothing = await plan({ ...withoutAgent, HOME: emptyHome });
    t.is(nothing.code, 4, explain(nothing));
    t.regex(hostReport(nothing, host.name)?.error ?? '', /no SSH credentials/);

    const socket = join(testTempDir('agent'), 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await waitFor('the ssh-agent socket', async () => existsSync(socket), 10_000, 50);
      execFileSync('ssh-add', ['-q', host.keyFile], { env: { ...withoutAgent, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
      const byAgent = await plan({ ...withoutAgent, HOME: emptyHome, SSH_AUTH_SOCK: socket });
      t.is(byAgent.code, 0, explain(byAgent));
      t.is(hostReport(byAgent, host.name)?.status, 'ok');
    } finally {
      agent.kill();
    }
  });
}
