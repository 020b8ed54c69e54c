/**
 * Issue 19 at the CLI, without hosts: `show PLANFILE` prints the plan as `plan` did; `apply PLANFILE`
 * tells a plan from an inventory by its content, refuses a stale plan (an input edited since) or a
 * damaged one with exit 1 before any host is contacted, and refuses options the plan fixes.
 */
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareRun } from '../../../src/commands/prepare.js';
import { logInputReads } from '../../../src/input/read-log.js';
import { planFileText, type PlanBody } from '../../../src/plan-file/format.js';
import { inputHashes } from '../../../src/plan-file/inputs.js';
import { TOOL_VERSION } from '../../../src/core/tool-version.js';
import { explain, runCli } from '../../helpers/cli.js';
import { makeProject, PLANTED_SECRET, SECRET_ENV, type Project } from './fixture.js';

Object.assign(process.env, SECRET_ENV);
const env = { ...process.env, ...SECRET_ENV, NO_COLOR: '1' };

/** A plan of the project as `plan --out` writes it (its host at a closed port: contacting it fails at once). */
function planOf(project: Project): string {
  const options = { inventory: project.inventory, playbook: project.playbook };
  const { reads } = logInputReads(() => prepareRun(options));
  const body: PlanBody = {
    format: 'clamprovision-plan',
    formatVersion: 1,
    tool: { name: 'clamprovision', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
    options,
    inputs: inputHashes(reads),
    hosts: [
      {
        name: 'web1',
        address: '127.0.0.1',
        status: 'changed',
        commands: 2,
        tasks: [
          { name: 'config', module: 'template', status: 'changed', summary: ['write /etc/app.conf'], diff: `--- /etc/app.conf\n+++ /etc/app.conf\n@@ -0,0 +1,2 @@\n+greeting = hello\n+password = ********\n` },
          { name: 'code', module: 'copy', status: 'ok' },
        ],
        facts: { sha256: 'f'.repeat(64), parts: {} },
      },
    ],
    summary: { ok: 0, changed: 1, failed: 0, unreachable: 0 },
  };
  const file = join(project.dir, 'plan.json');
  writeFileSync(file, planFileText(body));
  return file;
}

test('show PLANFILE prints the plan again, as text and as the --json document of plan', async (t) => {
  const project = makeProject();
  const file = planOf(project);
  const text = await runCli(['show', file], { env });
  t.is(text.code, 0, explain(text));
  t.regex(text.stdout, /web1 \(127\.0\.0\.1\): 1 to change/);
  t.regex(text.stdout, /\+greeting = hello/);
  t.regex(text.stdout, /Plan: 1 change on 1 of 1 host\./);
  const json = await runCli(['show', file, '--json'], { env });
  t.is(json.code, 0, explain(json));
  t.is(json.report?.command, 'plan');
  t.deepEqual(json.report?.hosts.map((h) => [h.name, h.status, h.tasks.map((task) => task.status)]), [['web1', 'changed', ['changed', 'ok']]]);
  t.deepEqual(json.report?.summary, { ok: 0, changed: 1, failed: 0, unreachable: 0 });
  t.false(text.stdout.includes(PLANTED_SECRET) || json.stdout.includes(PLANTED_SECRET));
});

test('apply PLANFILE after the template or the inventory was edited: exit 1 naming the file, no host contacted', async (t) => {
  const project = makeProject();
  const file = planOf(project);
  writeFileSync(project.template, readFileSync(project.template, 'utf8') + '# edited\n');
  const stale = await runCli(['apply', file, '--json'], { env });
  t.is(stale.code, 1, explain(stale));
  t.is(stale.stdout, '', 'no report: nothing ran');
  t.regex(stale.stderr, /the plan .*plan\.json is stale: its inputs changed since it was made, so nothing was applied; make a new plan/);
  t.regex(stale.stderr, /templates\/app\.conf\.ejs: changed/);

  const other = makeProject();
  const otherPlan = planOf(other);
  writeFileSync(other.inventory, readFileSync(other.inventory, 'utf8').replace('greeting: hello', 'greeting: bye'));
  const edited = await runCli(['apply', otherPlan], { env });
  t.is(edited.code, 1, explain(edited));
  t.regex(edited.stderr, /inventory\.yml: changed/);
});

test('apply PLANFILE whose inputs are as planned goes on to the hosts (here: unreachable, exit 4)', async (t) => {
  const project = makeProject();
  const run = await runCli(['apply', planOf(project), '--json', '--connect-timeout', '3'], { env });
  t.is(run.code, 4, explain(run));
  t.is(run.report?.command, 'apply');
  t.is(run.report?.hosts[0]?.status, 'unreachable');
});

test('apply PLANFILE with --limit, --tags or --playbook: a usage error, exit 1', async (t) => {
  const project = makeProject();
  const run = await runCli(['apply', planOf(project), '--limit', 'web1'], { env });
  t.is(run.code, 1, explain(run));
  t.regex(run.stderr, /--limit cannot be given with a saved plan/);
});

test('a damaged or edited plan file, or one of another format version: exit 1 with a clear error', async (t) => {
  const project = makeProject();
  const file = planOf(project);
  writeFileSync(file, readFileSync(file, 'utf8').replace('greeting = hello', 'greeting = HELLO'));
  const edited = await runCli(['apply', file], { env });
  t.is(edited.code, 1, explain(edited));
  t.regex(edited.stderr, /plan\.json:1:1: the plan was edited or damaged since it was written/);
  const shown = await runCli(['show', file], { env });
  t.is(shown.code, 1, explain(shown));
  writeFileSync(file, readFileSync(file, 'utf8').replace('"formatVersion": 1', '"formatVersion": 7'));
  const version = await runCli(['apply', file], { env });
  t.is(version.code, 1);
  t.regex(version.stderr, /format version 7/);
});

test('plan --out saves no plan when a host could not be planned', async (t) => {
  const project = makeProject();
  const out = join(project.dir, 'new-plan.json');
  const run = await runCli(['plan', project.inventory, '--playbook', project.playbook, '--out', out, '--connect-timeout', '3'], { env });
  t.is(run.code, 4, explain(run));
  t.regex(run.stderr, /No plan saved: web1 could not be planned/);
  t.false(existsSync(out));
});

test('plan --out into a directory that is uploaded (a service source) is refused, exit 1, no host contacted', async (t) => {
  const project = makeProject();
  const out = join(project.dir, 'src', 'plan.json');
  const run = await runCli(['plan', project.inventory, '--playbook', project.playbook, '--out', out], { env });
  t.is(run.code, 1, explain(run));
  t.regex(run.stderr, /is inside .*src, which is uploaded to the hosts .*: write the plan elsewhere/);
  t.is(run.stdout, '');
  t.false(existsSync(out));
});
