/**
 * Issue 19 on lab hosts: `plan --out` then `apply PLANFILE` changes exactly the planned tasks; a host
 * changed by hand between plan and apply is refused (exit 3) and left byte for byte as it was, while
 * the other host is applied; an inventory or a template edited after the plan makes apply refuse
 * everything (exit 1). Two hosts shared by the tests of this file, Apache + mod_wsgi (no uWSGI to
 * build); the built-in playbook and its templates are copied into a temporary directory, so that the
 * test can edit a template without touching other tests.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { labAvailable, labHosts, labInventoryYaml, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { changedTasks, explain, hello, onHost, repoRoot, type CliRun } from './helpers.js';
import { runCli } from '../helpers/cli.js';
import { testTempDir } from '../helpers/temp-dir.js';

const NAMES = ['e2e-plans-a', 'e2e-plans-b'];
const SECRET = 'lab-plan-s3cret-4417';
const SITE = '/etc/apache2/sites-available/clam.conf';
/** What the run manages on a host, as hashes: "untouched" is checked on these, byte for byte. */
const SNAPSHOT = `find /etc/apache2 /etc/clam /opt/clam /etc/systemd/system -xdev \\( -type f -o -type l \\) -print0 | sort -z | xargs -0 sha256sum 2>&1; stat -c '%n %a %U %G %Y' ${SITE}`;

let hosts: LabHost[];
let work: string;
let playbook: string;
let inventory: string;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

const env = { ...process.env, PLANS_API_TOKEN: SECRET };

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runCli([...args, '--json'], { env: { ...env, ...extraEnv }, timeoutMs: 20 * 60_000 });
}

/** The inventory of both hosts; `bodySize` changes the Apache site only (a reload, nothing else). */
function writeInventory(bodySize: string, comment = ''): void {
  const services = [hello('hello', '/hello', { client_max_body_size: bodySize, env: { API_TOKEN: '${PLANS_API_TOKEN}' }, secrets: ['API_TOKEN'] })];
  writeFileSync(inventory, `# saved plans${comment}\n${labInventoryYaml(hosts, { webserver: 'apache-wsgi', services })}`);
}

function planArgs(out: string): string[] {
  return ['plan', inventory, '--playbook', playbook, '--out', out];
}

const changed = (result: CliRun, host: LabHost) => changedTasks(result, host.name);

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts(NAMES);
});

test.before(async () => {
  if (!labAvailable) return;
  hosts = await labHosts(NAMES, { fresh: true });
  work = testTempDir('saved-plans');
  mkdirSync(join(work, 'playbook'));
  cpSync(join(repoRoot, 'playbooks', 'clam-webservice.yml'), join(work, 'playbook', 'clam-webservice.yml'));
  cpSync(join(repoRoot, 'templates'), join(work, 'playbook', 'templates'), { recursive: true });
  playbook = join(work, 'playbook', 'clam-webservice.yml');
  inventory = join(work, 'inventory.yml');
  writeInventory('10m');
  // deployed once: on a deployed host plan and apply agree exactly (a bare host's first apply may do a little more)
  const first = await run(['apply', inventory, '--playbook', playbook]);
  if (first.code !== 0) throw new Error(`the first apply failed: ${explain(first)}`);
});

serial('plan --out, then apply PLANFILE: exactly the planned tasks change; the plan, JUnit and step summary hold no secret', async (t) => {
  writeInventory('20m');
  const planFile = join(work, 'plan-1.json');
  const summary = join(work, 'summary-1.md');
  const plan = await run([...planArgs(planFile), '--junit', join(work, 'plan-1.xml')], { GITHUB_STEP_SUMMARY: summary });
  t.is(plan.code, 2, explain(plan));
  const planned = hosts.map((host) => changed(plan, host));
  for (const tasks of planned) t.true(tasks.length > 0, 'the site changes on both hosts');

  const shown = await run(['show', planFile]);
  t.deepEqual(hosts.map((host) => changed(shown, host)), planned, 'show prints the saved plan');

  const applied = await run(['apply', planFile, '--junit', join(work, 'apply-1.xml')], { GITHUB_STEP_SUMMARY: summary });
  t.is(applied.code, 0, explain(applied));
  t.deepEqual(hosts.map((host) => changed(applied, host)), planned, 'apply changed exactly the planned tasks');
  t.regex(await onHost(hosts[0]!, `cat ${SITE}`), /LimitRequestBody 20971520/);

  const again = await run(['plan', inventory, '--playbook', playbook]);
  t.is(again.code, 0, explain(again));

  for (const file of [planFile, join(work, 'plan-1.xml'), join(work, 'apply-1.xml'), summary]) {
    t.false(readFileSync(file, 'utf8').includes(SECRET), `${file} holds the secret`);
  }
  t.is(await onHost(hosts[0]!, `grep -c ${SECRET} /etc/clam/hello/env`), '1', 'the secret was re-read at apply and is deployed');
  t.regex(readFileSync(summary, 'utf8'), /### clamprovision plan:[\s\S]*### clamprovision apply:/);
});

serial('a host changed by hand after the plan is refused (exit 3) and left byte for byte as it was; the other host is applied', async (t) => {
  const [edited, other] = hosts as [LabHost, LabHost];
  writeInventory('30m');
  const planFile = join(work, 'plan-2.json');
  const plan = await run(planArgs(planFile));
  t.is(plan.code, 2, explain(plan));
  await onHost(edited, `echo '# edited by hand' >> ${SITE}`);
  const before = await onHost(edited, SNAPSHOT);

  const applied = await run(['apply', planFile]);
  t.is(applied.code, 3, explain(applied));
  const refused = applied.report!.hosts.find((host) => host.name === edited.name)! as { status: string; error?: string; refused?: boolean; tasks: unknown[] };
  t.is(refused.status, 'failed');
  t.true(refused.refused, '--json says the host was refused');
  t.regex(refused.error ?? '', new RegExp(`changed since the plan was made \\(.*files ${SITE}`));
  t.deepEqual(refused.tasks, []);
  t.is(await onHost(edited, SNAPSHOT), before, 'the refused host is untouched');
  t.regex(await onHost(edited, `tail -n 1 ${SITE}`), /# edited by hand/);

  t.deepEqual(changed(applied, other), changed(plan, other), 'the other host got exactly its plan');
  t.falsy((applied.report!.hosts.find((host) => host.name === other.name) as { refused?: boolean }).refused);
});

serial('an inventory or a template edited after the plan: apply PLANFILE refuses everything (exit 1), no host touched', async (t) => {
  writeInventory('40m');
  const planFile = join(work, 'plan-3.json');
  const plan = await run(planArgs(planFile));
  t.is(plan.code, 2, explain(plan));
  const before = await Promise.all(hosts.map((host) => onHost(host, SNAPSHOT)));

  writeInventory('40m', ' (a comment edited after the plan)');
  const inventoryEdited = await run(['apply', planFile]);
  t.is(inventoryEdited.code, 1, explain(inventoryEdited));
  t.regex(inventoryEdited.stderr, /is stale[\s\S]*inventory\.yml: changed/);
  t.is(inventoryEdited.stdout, '');

  writeInventory('40m');
  const template = join(work, 'playbook', 'templates', 'apache-clam.conf.ejs');
  writeFileSync(template, readFileSync(template, 'utf8') + '\n# edited after the plan\n');
  const templateEdited = await run(['apply', planFile]);
  t.is(templateEdited.code, 1, explain(templateEdited));
  t.regex(templateEdited.stderr, /is stale[\s\S]*templates\/apache-clam\.conf\.ejs: changed/);

  t.deepEqual(await Promise.all(hosts.map((host) => onHost(host, SNAPSHOT))), before, 'no host was touched');
});
