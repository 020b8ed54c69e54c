import test from 'ava';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileFact } from '../../../src/facts/types.js';
import { file } from '../../../src/modules/file.js';
import { PlanError } from '../../../src/modules/types.js';
import { MISSING, assertParses, directoryFact, fileFact, hostFacts, runScript } from './host-facts.js';

const context = { taskName: 'file', inHandler: false };
const args = (input: unknown) => file.schema.parse(input);
const at = (path: string, fact: FileFact) => hostFacts({ files: new Map([[path, fact]]) });
const link = (target: string): FileFact => ({ exists: true, type: 'link', mode: 0o777, owner: 'root', group: 'root', size: target.length, linkTarget: target });

test('directory: created with its attributes when missing, left alone when right', (t) => {
  const change = file.plan(args({ path: '/var/lib/clam/x', state: 'directory', owner: 'clam', group: 'clam', mode: '0750' }), at('/var/lib/clam/x', MISSING), context)!;
  t.deepEqual(change.summary, ['create directory /var/lib/clam/x (mode 0750, owner clam:clam)']);
  t.regex(change.script, /mkdir -p -- \/var\/lib\/clam\/x\nchown clam -- \/var\/lib\/clam\/x\nchgrp clam -- \/var\/lib\/clam\/x\nchmod 0750 -- \/var\/lib\/clam\/x/);
  assertParses(change.script);
  const right = at('/var/lib/clam/x', directoryFact({ mode: 0o750, owner: 'clam', group: 'clam' }));
  t.is(file.plan(args({ path: '/var/lib/clam/x', state: 'directory', owner: 'clam', group: 'clam', mode: '0750' }), right, context), null);
});

test('directory: only the attributes that differ are changed', (t) => {
  const change = file.plan(args({ path: '/opt/clam', state: 'directory', owner: 'root', mode: '0755' }), at('/opt/clam', directoryFact({ mode: 0o700 })), context)!;
  t.deepEqual(change.summary, ['/opt/clam: mode 0700 -> 0755']);
  t.notRegex(change.script, /chown/);
});

test('directory: a file in the way is an error', (t) => {
  t.throws(() => file.plan(args({ path: '/opt/x', state: 'directory' }), at('/opt/x', fileFact('x')), context), { instanceOf: PlanError, message: /a regular file, not a directory/ });
});

test('absent: removes what is there, and nothing when nothing is', (t) => {
  const change = file.plan(args({ path: '/etc/nginx/sites-enabled/default', state: 'absent' }), at('/etc/nginx/sites-enabled/default', link('/etc/nginx/sites-available/default')), context)!;
  t.deepEqual(change.summary, ['remove /etc/nginx/sites-enabled/default (a symbolic link)']);
  t.regex(change.script, /rm -rf -- \/etc\/nginx\/sites-enabled\/default/);
  t.is(file.plan(args({ path: '/etc/nginx/sites-enabled/default', state: 'absent' }), at('/etc/nginx/sites-enabled/default', MISSING), context), null);
  t.false(file.schema.safeParse({ path: '/', state: 'absent' }).success);
});

test('link: created, retargeted, or left alone', (t) => {
  const wanted = args({ path: '/etc/apache2/sites-enabled/clam.conf', state: 'link', src: '../sites-available/clam.conf' });
  t.deepEqual(file.plan(wanted, at(wanted.path, MISSING), context)!.summary, ['create link /etc/apache2/sites-enabled/clam.conf -> ../sites-available/clam.conf']);
  t.is(file.plan(wanted, at(wanted.path, link('../sites-available/clam.conf')), context), null);
  const moved = file.plan(wanted, at(wanted.path, link('/elsewhere')), context)!;
  t.deepEqual(moved.summary, ['link /etc/apache2/sites-enabled/clam.conf -> ../sites-available/clam.conf (was -> /elsewhere)']);
  t.throws(() => file.plan(wanted, at(wanted.path, fileFact('x')), context), { instanceOf: PlanError });
  t.false(file.schema.safeParse({ path: '/a', state: 'link' }).success, 'a link needs src');
  t.false(file.schema.safeParse({ path: '/a', state: 'directory', src: '/b' }).success, 'src only for links');
});

test('touch: creates an empty file once, then only fixes attributes', (t) => {
  const wanted = args({ path: '/etc/clam/x/app.wsgi', state: 'touch', mode: '0640' });
  t.deepEqual(file.plan(wanted, at(wanted.path, MISSING), context)!.summary, ['create empty file /etc/clam/x/app.wsgi (mode 0640)']);
  t.is(file.plan(wanted, at(wanted.path, fileFact('content', { mode: 0o640 })), context), null);
});

test('file: attributes of an existing file; a file not there yet fails in apply with a message', (t) => {
  const wanted = args({ path: '/etc/x', mode: '0600' });
  t.deepEqual(file.plan(wanted, at('/etc/x', fileFact('x')), context)!.summary, ['/etc/x: mode 0644 -> 0600']);
  const pending = file.plan(wanted, at('/etc/x', MISSING), context)!;
  t.regex(pending.summary[0]!, /not on the host yet/);
  const dir = mkdtempSync(join(tmpdir(), 'cp-file-'));
  const result = runScript(file.plan(args({ path: join(dir, 'none'), mode: '0600' }), at(join(dir, 'none'), MISSING), context)!.script);
  t.is(result.code, 1);
  t.regex(result.stderr, /does not exist/);
});

test('the scripts do what the summaries say on a real directory', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-file-'));
  const sub = join(dir, 'a', 'b');
  t.is(runScript(file.plan(args({ path: sub, state: 'directory', mode: '0700' }), at(sub, MISSING), context)!.script).code, 0);
  t.is(statSync(sub).mode & 0o7777, 0o700);
  const linkPath = join(dir, 'link');
  t.is(runScript(file.plan(args({ path: linkPath, state: 'link', src: sub }), at(linkPath, MISSING), context)!.script).code, 0);
  t.is(readlinkSync(linkPath), sub);
  // retargeting a link to a directory replaces the link, it does not create one inside the directory
  mkdirSync(join(dir, 'other'));
  t.is(runScript(file.plan(args({ path: linkPath, state: 'link', src: join(dir, 'other') }), at(linkPath, link(sub)), context)!.script).code, 0);
  t.is(readlinkSync(linkPath), join(dir, 'other'));
  t.false(existsSync(join(sub, 'b')));
  const touched = join(dir, 'touched');
  t.is(runScript(file.plan(args({ path: touched, state: 'touch' }), at(touched, MISSING), context)!.script).code, 0);
  t.is(statSync(touched).size, 0);
  t.is(statSync(touched).mode & 0o777, 0o644);
  writeFileSync(join(sub, 'f'), 'x');
  t.is(runScript(file.plan(args({ path: join(dir, 'a'), state: 'absent' }), at(join(dir, 'a'), directoryFact()), context)!.script).code, 0);
  t.false(existsSync(join(dir, 'a')));
  t.true(lstatSync(linkPath).isSymbolicLink());
});
