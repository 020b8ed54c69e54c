import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELEASE_MARKER, type ReleasesFact } from '../../../src/facts/kinds/releases.js';
import { mergeFactRequests } from '../../../src/facts/merge.js';
import { parseFactsOutput } from '../../../src/facts/parse.js';
import { buildFactsScript } from '../../../src/facts/script.js';
import { release } from '../../../src/modules/release.js';
import { PlanError, type PlannedChange } from '../../../src/modules/types.js';
import { hostFacts } from './host-facts.js';

const HOME = '/opt/clam/hello';
const context = { taskName: 'release', inHandler: false };

/** A script without shell quoting: what it runs, whether or not a word needed quotes. */
const unquoted = (script: string) => script.replaceAll("'", '');

function plan(args: Record<string, unknown>, fact: ReleasesFact): PlannedChange | null {
  const parsed = release.schema.parse({ home: HOME, label: 'hello', ...args });
  return release.plan(parsed, hostFacts({ releases: new Map([[HOME, fact]]) }), context);
}

const three: ReleasesFact = {
  current: 'ccc',
  releases: [
    { id: 'aaa', deployedAt: '2026-12-01T10:00:00.000000000Z' },
    { id: 'bbb', deployedAt: '2026-12-01T11:00:00.000000000Z' },
    { id: 'ccc', deployedAt: '2026-12-01T12:00:00.000000000Z' },
  ],
};

test('switch: a new release is checked, marked deployed and made current by renaming a link over current; undo goes back', (t) => {
  const change = plan({ state: 'switch', release: 'ddd', verify: 'test -x "$RELEASE/venv/bin/python"' }, { ...three, releases: [...three.releases, { id: 'ddd' }] })!;
  t.deepEqual(change.summary, ['switch hello to the new release ddd (from ccc)']);
  t.true(change.script.includes('test -x "$RELEASE/venv/bin/python"'));
  t.true(change.script.includes(`${HOME}/releases/ddd/${RELEASE_MARKER}`));
  t.true(unquoted(change.script).includes(`mv -fT ${HOME}/current.new ${HOME}/current`));
  t.deepEqual(change.undo?.summary, ['switch hello back to release ccc']);
  t.true(unquoted(change.undo!.script).includes('ln -sfn releases/ccc'));
});

test('switch: nothing to do when the release is current and deployed; an earlier release is switched to again', (t) => {
  t.is(plan({ state: 'switch', release: 'ccc' }, three), null);
  t.deepEqual(plan({ state: 'switch', release: 'aaa' }, three)!.summary, ['switch hello to its earlier release aaa (from ccc)']);
});

test('switch: the first release has nothing to go back to', (t) => {
  const change = plan({ state: 'switch', release: 'aaa' }, { current: null, releases: [] })!;
  t.deepEqual(change.summary, ['switch hello to the new release aaa (from none)']);
  t.is(change.undo, undefined);
});

test('rollback previous: the newest release deployed before the current one; from there the next one back', (t) => {
  const first = plan({ state: 'rollback', to: 'previous' }, three)!;
  t.deepEqual(first.summary, ['roll hello back from release ccc to bbb (deployed 2026-12-01T11:00:00.000000000Z)']);
  t.true(unquoted(first.script).includes('ln -sfn releases/bbb'));
  t.deepEqual(plan({ state: 'rollback', to: 'previous' }, { ...three, current: 'bbb' })!.summary, ['roll hello back from release bbb to aaa (deployed 2026-12-01T10:00:00.000000000Z)']);
  const error = t.throws(() => plan({ state: 'rollback', to: 'previous' }, { ...three, current: 'aaa' }), { instanceOf: PlanError });
  t.is(error.message, 'hello: no release older than the current one (aaa) to roll back to (releases: ccc, bbb, aaa)');
});

test('rollback --to: a release by its name or the start of it; ambiguous, unknown and unfinished ones are refused', (t) => {
  const fact: ReleasesFact = { ...three, releases: [...three.releases, { id: 'bbx', deployedAt: '2026-12-01T09:00:00.000000000Z' }, { id: 'eee' }] };
  t.true(unquoted(plan({ state: 'rollback', to: 'aa' }, fact)!.script).includes('releases/aaa '));
  t.is(plan({ state: 'rollback', to: 'ccc' }, fact), null, 'already current');
  t.regex(t.throws(() => plan({ state: 'rollback', to: 'bb' }, fact))!.message, /release 'bb' is ambiguous: bbb, bbx/);
  t.regex(t.throws(() => plan({ state: 'rollback', to: 'zzz' }, fact))!.message, /hello has no release 'zzz' \(releases: ccc, bbb, aaa, bbx\)/);
  t.regex(t.throws(() => plan({ state: 'rollback', to: 'eee' }, fact))!.message, /has no release 'eee'/, 'a release never completed is no target');
});

test('prune: keeps the newest `keep` deployed releases and the current one; removes unfinished ones', (t) => {
  const fact: ReleasesFact = { current: 'aaa', releases: [...three.releases, { id: 'half' }] };
  const change = plan({ state: 'prune', keep: 2 }, fact)!;
  t.deepEqual(change.summary, ['remove release half of hello (keeping the newest 2)']);
  const more = plan({ state: 'prune', keep: 1 }, { ...three, current: 'ccc' })!;
  t.deepEqual(more.summary, ['remove release aaa of hello (keeping the newest 1)', 'remove release bbb of hello (keeping the newest 1)']);
  t.true(unquoted(more.script).includes(`rm -rf -- ${HOME}/releases/aaa`));
  t.is(plan({ state: 'prune', keep: 5 }, three), null);
});

test('arguments: each state needs its own', (t) => {
  t.false(release.schema.safeParse({ home: HOME, label: 'x', state: 'switch' }).success);
  t.false(release.schema.safeParse({ home: HOME, label: 'x', state: 'rollback' }).success);
  t.false(release.schema.safeParse({ home: HOME, label: 'x', state: 'prune' }).success);
  t.false(release.schema.safeParse({ home: HOME, label: 'x', state: 'switch', release: '../etc' }).success);
});

/** The facts script and the plan's scripts run for real with dash, on a directory of the test's own. */
function readReleases(home: string): ReleasesFact {
  const requests = mergeFactRequests(release.facts(release.schema.parse({ home, label: 'hello', state: 'prune', keep: 1 })));
  const result = spawnSync('dash', ['-s'], { input: buildFactsScript(requests), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return parseFactsOutput(result.stdout, requests).releases.get(home)!;
}

function runScript(script: string): void {
  const result = spawnSync('dash', ['-s'], { input: script, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`script failed (${result.status}): ${result.stderr}`);
}

test('on a real directory: install, switch, switch again, roll back, prune, as the facts read them', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'clamprovision-releases-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const step = (args: Record<string, unknown>) => {
    const parsed = release.schema.parse({ home, label: 'hello', ...args });
    const change = release.plan(parsed, hostFacts({ releases: new Map([[home, readReleases(home)]]) }), context);
    if (change) runScript(change.script);
    return change;
  };
  const install = (id: string) => {
    mkdirSync(join(home, 'releases', id, 'src'), { recursive: true });
    writeFileSync(join(home, 'releases', id, 'src', 'VERSION'), id);
  };

  t.deepEqual(readReleases(home), { current: null, releases: [] });
  install('r1');
  step({ state: 'switch', release: 'r1', verify: 'test -f "$RELEASE/src/VERSION"' });
  install('r2');
  step({ state: 'switch', release: 'r2' });
  t.is(readlinkSync(join(home, 'current')), 'releases/r2');
  t.is(step({ state: 'switch', release: 'r2' }), null, 'a second apply changes nothing');

  const read = readReleases(home);
  t.is(read.current, 'r2');
  t.deepEqual(read.releases.map((r) => r.id), ['r1', 'r2']);
  t.true(read.releases.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(r.deployedAt ?? '')), 'deployed times with nanoseconds: two deploys in one second stay ordered');

  install('broken');
  t.throws(() => step({ state: 'switch', release: 'broken', verify: 'test -f "$RELEASE/src/MISSING"' }), { message: /release broken of hello failed its check before the switch/ });
  t.is(readlinkSync(join(home, 'current')), 'releases/r2', 'a release failing its check is never switched to');

  step({ state: 'rollback', to: 'previous' });
  t.is(readlinkSync(join(home, 'current')), 'releases/r1');
  t.throws(() => step({ state: 'rollback', to: 'previous' }), { message: /no release older than the current one \(r1\)/ });

  step({ state: 'prune', keep: 1 });
  t.false(existsSync(join(home, 'releases', 'broken')), 'unfinished releases go');
  t.true(existsSync(join(home, 'releases', 'r1')), 'the current release stays, newest or not');
  t.true(existsSync(join(home, 'releases', 'r2')), 'the newest deployed release stays');
});
