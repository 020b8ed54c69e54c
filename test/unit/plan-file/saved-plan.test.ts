/**
 * Issue 19: plan --out, then apply of that plan, on fake hosts: the plan's facts fingerprint and
 * decisions are checked before anything changes; a host that changed is refused untouched while the
 * others are applied; the plan file is checked (format, version, checksum) and holds no secret.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secrets } from '../../../src/core/secrets.js';
import { TOOL_VERSION } from '../../../src/core/tool-version.js';
import type { HostResult } from '../../../src/engine/results.js';
import { InputError } from '../../../src/core/errors.js';
import { planFileText, plannedResults, readPlanFile, writePlanFile, type PlanBody } from '../../../src/plan-file/format.js';
import { savedPlanGuard } from '../../../src/plan-file/guard.js';
import { isPlanFile } from '../../../src/plan-file/marker.js';
import { PlanRecorder } from '../../../src/plan-file/record.js';
import { renderJson } from '../../../src/report/json.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { directoryFact, fileFact, hostFacts, MISSING } from '../modules/host-facts.js';
import { commandsRun, play, run, runEngine, taskLines } from '../engine/engine-fixtures.js';

const SECRET = 'saved-plan-s3cret-9931';
secrets.add(SECRET);

const MARK = '/etc/marker';

function host(address: string): FakeHost {
  const fake = new FakeHost(address, hostFacts({ files: new Map([[MARK, MISSING], ['/', directoryFact()]]) }));
  return fake.on('write-marker', { effect: (facts) => facts.files.set(MARK, fileFact('x\n')) });
}

/** Two tasks: one that changes (unless the marker is there), one that never does; a handler. */
const plays = [play([run('write-marker', { creates: MARK, notify: ['reload'] }), run(`echo ${SECRET}`, { creates: '/' })], [run('reload')])];

const options = { inventory: 'inventory.yml' };

async function savedPlan(hosts: FakeHost[]): Promise<{ body: PlanBody; results: HostResult[] }> {
  const recorder = new PlanRecorder();
  const { results } = await runEngine(hosts, plays, { mode: 'plan', guard: recorder });
  return { body: recorder.body(options, [{ path: 'inventory.yml', sha256: 'a'.repeat(64) }], results), results };
}

function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'saved-plan-')), name);
}

function writeAndRead(body: PlanBody) {
  const file = tempFile('plan.json');
  writePlanFile(file, body);
  return { file, plan: readPlanFile(file) };
}

test('apply of a saved plan changes exactly the planned tasks when the hosts are as planned', async (t) => {
  const hosts = [host('10.0.0.1'), host('10.0.0.2')];
  const { body } = await savedPlan(hosts);
  const { plan } = writeAndRead(body);
  t.deepEqual(plan.hosts.map((h) => h.status), ['changed', 'changed']);
  const { results } = await runEngine(hosts, plays, { guard: savedPlanGuard(plan) });
  for (const result of results) {
    t.is(result.status, 'changed');
    t.deepEqual(taskLines(result), ['write-marker: changed', `echo ${SECRET}: ok`, 'handler reload: changed']);
  }
  t.deepEqual(plan.hosts[0]!.tasks.map((task) => `${task.name}: ${task.status}`), ['write-marker: changed', 'echo ********: ok', 'reload: changed']);
  t.deepEqual(commandsRun(hosts[0]!), ['write-marker', 'reload']);
});

test('a host changed since the plan is refused and left untouched; the other host is applied', async (t) => {
  const hosts = [host('10.0.0.1'), host('10.0.0.2')];
  const { plan } = writeAndRead((await savedPlan(hosts)).body);
  hosts[1]!.facts.files.set('/etc/marker', fileFact('changed by hand\n'));
  const { result } = await runEngine(hosts, plays, { guard: savedPlanGuard(plan) });
  t.is(result('10.0.0.1').status, 'changed');
  const refused = result('10.0.0.2');
  t.is(refused.status, 'failed');
  t.true(refused.refused);
  t.regex(refused.error!, /^refused: the host changed since the plan was made \(files \/etc\/marker\); nothing was changed on it; make a new plan$/);
  t.deepEqual(refused.tasks, []);
  t.deepEqual(hosts[1]!.taskScripts, [], 'no task script ran on the refused host');
  const json = JSON.parse(renderJson('apply', [result('10.0.0.1'), refused])) as { hosts: { name: string; refused?: boolean }[] };
  t.deepEqual(json.hosts.map((h) => [h.name, h.refused ?? false]), [['10.0.0.1', false], ['10.0.0.2', true]], '--json says which host was refused');
});

test('a task that would decide otherwise than the plan, before anything changed, refuses the host', async (t) => {
  const hosts = [host('10.0.0.1')];
  const { plan } = writeAndRead((await savedPlan(hosts)).body);
  // the same facts, but another playbook decision: the task at index 0 is now "ok"
  const otherPlays = [play([run('write-marker', { creates: '/' }), run(`echo ${SECRET}`, { creates: '/' })], [run('reload')])];
  const { result } = await runEngine(hosts, otherPlays, { guard: savedPlanGuard(plan) });
  t.true(result('10.0.0.1').refused);
  t.regex(result('10.0.0.1').error!, /task 'write-marker' would now be unchanged, the plan has it changed/);
  t.deepEqual(hosts[0]!.taskScripts, []);
});

test('after the first change the facts are read again and later tasks follow them (a bare host), as apply always does', async (t) => {
  const hosts = [host('10.0.0.1')];
  // the second task is done by the first: the plan cannot see that, apply does after the first change
  const twoWrites = [play([run('write-marker', { creates: MARK }), run('write-marker again', { creates: MARK })])];
  const recorder = new PlanRecorder();
  const planned = await runEngine(hosts, twoWrites, { mode: 'plan', guard: recorder });
  t.deepEqual(taskLines(planned.result('10.0.0.1')), ['write-marker: changed', 'write-marker again: changed']);
  const { plan } = writeAndRead(recorder.body(options, [], planned.results));
  const { result } = await runEngine(hosts, twoWrites, { guard: savedPlanGuard(plan) });
  t.deepEqual(taskLines(result('10.0.0.1')), ['write-marker: changed', 'write-marker again: ok']);
  t.falsy(result('10.0.0.1').refused);
});

test('a host not in the plan is refused', async (t) => {
  const { plan } = writeAndRead((await savedPlan([host('10.0.0.1')])).body);
  const { result } = await runEngine([host('10.0.0.9')], plays, { guard: savedPlanGuard(plan) });
  t.regex(result('10.0.0.9').error!, /^refused: the host is not in the plan/);
});

test('the plan file: marker, version, tool version, inputs, facts fingerprints, tasks with diffs; read back as it was', async (t) => {
  const { body, results } = await savedPlan([host('10.0.0.1')]);
  const { file, plan } = writeAndRead(body);
  t.true(isPlanFile(file));
  t.true(readFileSync(file, 'utf8').startsWith('{\n  "format": "clamprovision-plan",\n  "formatVersion": 1,'));
  t.is(plan.tool.version, TOOL_VERSION);
  t.deepEqual(plan.options, options);
  t.regex(plan.hosts[0]!.facts.sha256, /^[0-9a-f]{64}$/);
  t.true('files /etc/marker' in plan.hosts[0]!.facts.parts);
  t.deepEqual(
    plannedResults(plan).map((h) => h.tasks.map((task) => task.name)),
    results.map((h) => h.tasks.map((task) => secrets.mask(task.name))),
  );
});

test('no secret in the plan file: masked in task names, diffs and errors', async (t) => {
  const { body } = await savedPlan([host('10.0.0.1')]);
  body.hosts[0]!.tasks[0]!.diff = `+PASSWORD=${SECRET}\n+quoted="${JSON.stringify(SECRET).slice(1, -1)}"\n`;
  const { file } = writeAndRead(body);
  const text = readFileSync(file, 'utf8');
  t.false(text.includes(SECRET));
  t.true(text.includes('********'));
});

test('inventories and other files are not plans', (t) => {
  const yaml = tempFile('inventory.yml');
  writeFileSync(yaml, 'all:\n  hosts: {web1: {}}\n');
  const json = tempFile('inventory.json');
  writeFileSync(json, '{"all": {"hosts": {"web1": {}}}, "format": "clamprovision-plan"}');
  t.false(isPlanFile(yaml));
  t.false(isPlanFile(json), 'a JSON inventory does not start with the marker');
  t.false(isPlanFile(tempFile('missing.json')));
});

function assertBadPlan(t: import('ava').ExecutionContext, text: string, message: RegExp): void {
  const file = tempFile('plan.json');
  writeFileSync(file, text);
  const error = t.throws(() => readPlanFile(file), { instanceOf: InputError });
  t.regex(error!.message, message);
}

test('a plan edited, cut short, of another format version or tool version, or unreadable: a clear input error', async (t) => {
  const { body } = await savedPlan([host('10.0.0.1')]);
  const text = planFileText(body);
  assertBadPlan(t, text.replace('"write-marker"', '"write-marker-2"'), /edited or damaged since it was written/);
  assertBadPlan(t, text.replace(/"changed"/g, '"ok"'), /edited or damaged/);
  assertBadPlan(t, text.slice(0, text.length / 2), /damaged \(not valid JSON/);
  assertBadPlan(t, text.replace('"formatVersion": 1', '"formatVersion": 2'), /format version 2; this clamprovision reads version 1/);
  const other = planFileText({ ...body, tool: { name: 'clamprovision', version: '0.0.1' } });
  assertBadPlan(t, other, /made by clamprovision 0\.0\.1; this is/);
  const notPlan = planFileText({ ...body, hosts: [{ ...body.hosts[0]!, status: 'unknown' as 'ok' }] });
  assertBadPlan(t, notPlan, /not a valid plan: hosts\.0\.status/);
  assertBadPlan(t, 'all:\n  hosts: {}\n', /not a saved plan/);
  const missing = t.throws(() => readPlanFile(tempFile('nope.json')), { instanceOf: InputError });
  t.regex(missing!.message, /cannot read the plan: ENOENT/);
});
