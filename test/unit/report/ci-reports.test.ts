/**
 * Issue 19: the CI reports. --junit FILE: one test case per host and task, failures with their
 * messages, valid against the JUnit schema CI servers read (checked with xmllint's XSD validation);
 * $GITHUB_STEP_SUMMARY: a Markdown summary appended. Neither holds a secret.
 */
import test from 'ava';
import { XMLParser } from 'fast-xml-parser';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { secrets } from '../../../src/core/secrets.js';
import type { HostResult } from '../../../src/engine/results.js';
import { writeCiReports } from '../../../src/report/ci-reports.js';
import { renderJunit } from '../../../src/report/junit.js';
import { renderStepSummary } from '../../../src/report/step-summary.js';
import { repoRoot } from '../../helpers/cli.js';

const SECRET = 'ci-s3cret-Pa55word';
secrets.add(SECRET);

const SCHEMA = readFileSync(join(repoRoot, 'test/fixtures/junit/junit.xsd'), 'utf8');

const hosts: HostResult[] = [
  {
    name: 'web1',
    address: '10.0.0.5',
    status: 'failed',
    error: "task 'restart app' failed: exit 1 <oops> & \"quoted\"",
    commands: 6,
    tasks: [
      { name: 'install nginx', module: 'apt', status: 'ok' },
      { name: 'write env', module: 'template', status: 'changed', summary: ['write /etc/clam/app/env'], diff: `--- a\n+++ b\n-OLD=1\n+PASSWORD="${SECRET}"\n+x = \`code\`\u0007\n` },
      { name: 'apache only', module: 'template', status: 'skipped' },
      { name: 'restart app', module: 'service', status: 'failed', handler: true, error: `exit 1 <oops> & "quoted"\nsecond line with ${SECRET}` },
    ],
  },
  { name: 'web2', address: 'web2', status: 'unreachable', error: 'connection refused by root@web2:22', commands: 0, tasks: [] },
  {
    name: 'web3',
    address: '10.0.0.7',
    status: 'failed',
    refused: true,
    error: 'refused: the host changed since the plan was made (files /etc/nginx/conf.d/app.conf); nothing was changed on it; make a new plan',
    commands: 2,
    tasks: [],
  },
  { name: 'web4', address: '10.0.0.8', status: 'ok', commands: 3, tasks: [{ name: 'health', module: 'http_check', status: 'ok', check: true }] },
];

async function assertValidJunit(t: import('ava').ExecutionContext, xml: string): Promise<void> {
  const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: SCHEMA }] });
  t.deepEqual(result.errors.map((e) => e.rawMessage), [], 'valid against the JUnit schema');
  t.true(result.valid);
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) });

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; '#text'?: string };
  error?: { message: string; type: string };
  skipped?: unknown;
  'system-out'?: string;
}

test('the JUnit report is valid against the schema, in plan and in apply', async (t) => {
  await assertValidJunit(t, renderJunit('apply', 'apply', hosts));
  await assertValidJunit(t, renderJunit('plan', 'plan', hosts));
  await assertValidJunit(t, renderJunit('apply', 'apply', []));
});

test('the schema check would catch a broken report (the validator is not vacuous)', async (t) => {
  const broken = renderJunit('apply', 'apply', hosts).replace('<testcase classname="web1" name="install nginx [apt]"/>', '<testcase classname="web1"><failure/><bogus/></testcase>');
  const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: broken }], schema: [{ fileName: 'junit.xsd', contents: SCHEMA }] });
  t.false(result.valid);
});

test('one test case per host and task; failures carry their messages; skipped and counts as the run was', (t) => {
  const doc = parser.parse(renderJunit('apply', 'apply', hosts)) as { testsuites: { tests: string; failures: string; errors: string; testsuite: { name: string; tests: string; failures: string; errors: string; skipped: string; testcase: Case[] }[] } };
  const suites = doc.testsuites.testsuite;
  t.deepEqual(suites.map((s) => s.name), ['web1', 'web2', 'web3', 'web4']);
  const web1 = suites[0]!;
  t.deepEqual(web1.testcase.map((c) => c.name), ['install nginx [apt]', 'write env [template]', 'apache only [template]', 'handler: restart app [service]']);
  t.true(web1.testcase.every((c) => c.classname === 'web1'));
  t.is(web1.testcase[3]!.failure!.message, 'exit 1 <oops> & "quoted"');
  t.regex(web1.testcase[3]!.failure!['#text']!, /second line/);
  t.truthy(web1.testcase[2]!.skipped !== undefined);
  t.regex(web1.testcase[1]!['system-out']!, /changed:\nwrite \/etc\/clam\/app\/env/);
  t.deepEqual([web1.tests, web1.failures, web1.errors, web1.skipped], ['4', '1', '0', '1']);
  t.is(suites[1]!.testcase[0]!.error!.type, 'unreachable');
  t.is(suites[2]!.testcase[0]!.failure!.type, 'refused');
  t.regex(suites[2]!.testcase[0]!.failure!.message, /changed since the plan/);
  t.deepEqual([doc.testsuites.tests, doc.testsuites.failures, doc.testsuites.errors], ['7', '2', '1']);
});

test('the step summary has a table of hosts and each host changes with diffs, fenced safely', (t) => {
  const markdown = renderStepSummary('plan', 'plan', hosts);
  t.regex(markdown, /^### clamprovision plan: 1 to change on 1 of 4 hosts/);
  t.regex(markdown, /\| web1 \(10\.0\.0\.5\) \| ❌ failed: task 'restart app' failed: exit 1 &lt;oops&gt; &amp; "quoted" \| 1 \| 1 \|/);
  t.regex(markdown, /\| web3 \(10\.0\.0\.7\) \| ⛔ refused: the host changed since the plan/);
  t.regex(markdown, /```diff\n--- a\n/, 'a diff block whose fence no backtick run inside closes');
  t.notRegex(markdown, /<summary>web4/, 'a host without changes has no details');
});

test('no secret in the JUnit file nor in the step summary', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ci-reports-'));
  const summary = join(dir, 'summary.md');
  writeFileSync(summary, '# earlier step\n');
  writeCiReports('apply', 'apply', hosts, { junit: join(dir, 'junit.xml') }, { GITHUB_STEP_SUMMARY: summary });
  writeCiReports('plan', 'plan', hosts, {}, { GITHUB_STEP_SUMMARY: summary });
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  const markdown = readFileSync(summary, 'utf8');
  t.true(markdown.startsWith('# earlier step\n'), 'appended, not overwritten');
  t.is(markdown.match(/^### clamprovision/gm)?.length, 2);
  for (const text of [junit, markdown]) {
    t.false(text.includes(SECRET));
    t.true(text.includes('********'));
  }
});
