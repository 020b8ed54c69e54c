/**
 * Issue 16: the htpasswd module hashes on the controller and stays idempotent although bcrypt hashes
 * are salted: a line whose hash verifies the wanted password is kept byte for byte; a new user or a
 * changed password gets a new hash; the plan never shows a hash or a password.
 */
import test from 'ava';
import bcrypt from 'bcryptjs';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { secrets } from '../../../src/core/secrets.js';
import type { HostResult } from '../../../src/engine/results.js';
import { htpasswd, htpasswdLines, type HtpasswdArgs } from '../../../src/modules/htpasswd.js';
import type { PlannedChange } from '../../../src/modules/types.js';
import { renderJson } from '../../../src/report/json.js';
import { renderHostReport } from '../../../src/report/text.js';
import { MISSING, fileFact, hostFacts, runScript } from './host-facts.js';

const context = { taskName: 'users', inHandler: false };
const ALICE = 'alice-pass-7319';
const BOB = 'bob-pass-4402';

function args(users: Record<string, string>, path = '/etc/clam/hello/htpasswd'): HtpasswdArgs {
  return htpasswd.schema.parse({ path, users, mode: '0640' });
}

function plan(wanted: HtpasswdArgs, content: string | undefined): PlannedChange | null {
  const fact = content === undefined ? MISSING : fileFact(content, { mode: 0o640 });
  return htpasswd.plan(wanted, hostFacts({ files: new Map([[wanted.path, fact]]) }), context);
}

/** Writes the file as the host would (the plan's script, into a scratch directory): its content. */
function apply(users: Record<string, string>, content: string | undefined): string {
  const path = join(mkdtempSync(join(tmpdir(), 'htpasswd-')), 'htpasswd');
  const change = plan(args(users, path), content);
  if (change === null) return content!;
  const run = runScript(change.script);
  if (run.code !== 0) throw new Error(run.stderr);
  return readFileSync(path, 'utf8');
}

test('a new file: one bcrypt line per user ($2y$, as htpasswd -B), each verifying its password; mode 0640', (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'htpasswd-')), 'htpasswd');
  const change = plan(args({ alice: ALICE, bob: BOB }, path), undefined)!;
  t.true(runScript(change.script).code === 0);
  const lines = htpasswdLines(readFileSync(path, 'utf8'));
  t.deepEqual([...lines.keys()], ['alice', 'bob']);
  t.regex(lines.get('alice')!, /^alice:\$2y\$10\$[./A-Za-z0-9]{53}$/);
  t.true(bcrypt.compareSync(ALICE, lines.get('alice')!.slice('alice:'.length)));
  t.true(bcrypt.compareSync(BOB, lines.get('bob')!.slice('bob:'.length)));
  t.is(statSync(path).mode & 0o777, 0o640);
  t.deepEqual(change.summary, [`create ${path} (mode 0640)`, `${path}: user alice: added`, `${path}: user bob: added`]);
});

test('the same passwords again: nothing to do, every line kept byte for byte', (t) => {
  const first = apply({ alice: ALICE, bob: BOB }, undefined);
  t.is(plan(args({ alice: ALICE, bob: BOB }), first), null);
  t.is(apply({ alice: ALICE, bob: BOB }, first), first);
});

test("a changed password: only that user's line changes, to a new hash that verifies it; the others are kept", (t) => {
  const first = apply({ alice: ALICE, bob: BOB }, undefined);
  const change = plan(args({ alice: ALICE, bob: 'bob-new-9921' }), first)!;
  t.deepEqual(change.summary, ['update /etc/clam/hello/htpasswd', '/etc/clam/hello/htpasswd: user bob: password changed']);
  const second = htpasswdLines(apply({ alice: ALICE, bob: 'bob-new-9921' }, first));
  t.is(second.get('alice'), htpasswdLines(first).get('alice'), 'alice keeps her line byte for byte');
  t.true(bcrypt.compareSync('bob-new-9921', second.get('bob')!.slice('bob:'.length)));
  t.false(bcrypt.compareSync(BOB, second.get('bob')!.slice('bob:'.length)), 'the old password no longer verifies');
});

test('a user taken off the list is removed; a line that is no bcrypt hash is replaced', (t) => {
  const first = apply({ alice: ALICE, bob: BOB }, undefined);
  const change = plan(args({ alice: ALICE }), first)!;
  t.deepEqual(change.summary.slice(1), ['/etc/clam/hello/htpasswd: user bob: removed']);
  t.deepEqual([...htpasswdLines(apply({ alice: ALICE }, first)).keys()], ['alice']);
  const md5 = 'alice:$apr1$abcdefgh$0123456789abcdefghijkl\n';
  t.deepEqual(plan(args({ alice: ALICE }), md5)!.summary.slice(1), ['/etc/clam/hello/htpasswd: user alice: password changed']);
});

test('the plan shows neither a hash nor a password, as text (--diff) or --json', (t) => {
  secrets.add(ALICE);
  secrets.add('bob-new-9921');
  const first = apply({ alice: ALICE, bob: BOB }, undefined);
  const change = plan(args({ alice: ALICE, bob: 'bob-new-9921', carol: 'carol-pass-1' }), first)!;
  t.is(change.diff, undefined, 'no diff: it would show the hashes');
  const host: HostResult = {
    name: 'web1',
    address: '192.0.2.11',
    status: 'changed',
    commands: 2,
    tasks: [{ name: 'Webserver users of hello', module: 'htpasswd', status: 'changed', summary: change.summary }],
  };
  const text = stripVTControlCharacters(renderHostReport([host], 'plan', true));
  const json = renderJson('plan', [host]);
  for (const output of [text, json]) {
    for (const hidden of [ALICE, BOB, 'bob-new-9921', '$2y$', '$2b$']) t.false(output.includes(hidden), hidden);
    t.true(output.includes('user bob: password changed'));
    t.true(output.includes('user carol: added'));
  }
});
