import test from 'ava';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, readdirSync, mkdirSync, symlinkSync, chmodSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copy } from '../../../src/modules/copy.js';
import { template } from '../../../src/modules/template.js';
import type { PrepareContext } from '../../../src/modules/types.js';
import { PlanError } from '../../../src/modules/types.js';
import { buildFactsScript } from '../../../src/facts/script.js';
import { parseFactsOutput } from '../../../src/facts/parse.js';
import type { HostFacts } from '../../../src/facts/types.js';
import { MISSING, assertParses, directoryFact, fileFact, hostFacts, runScript } from './host-facts.js';
import { noInterruptedValidationProbe } from '../../../src/modules/lib/write-file.js';

/** Makes a write script die (SIGKILL: no trap runs) just before its validator, as a dropped or crashed run would. */
const killBeforeTheVerdict = () => 'kill -9 $$; if ! cp_out=$(sh -c';

/** The probe of a validated file: 0, no run was cut off before its validator's verdict. */
function noInterruption(dest: string): Map<string, number> {
  return new Map([[noInterruptedValidationProbe(dest), 0]]);
}

const context = { taskName: 't', inHandler: false };

function prepareContext(dir: string, vars: Record<string, unknown> = {}): PrepareContext {
  return { vars, playbookDir: dir, resolveTemplate: (src) => join(dir, src), resolveLocal: (path) => join(dir, path) };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'cp-modules-'));
}

test('template: renders with the variables; a new file is created with a diff from /dev/null', (t) => {
  const dir = scratch();
  writeFileSync(join(dir, 'app.ini.ejs'), '[app]\nport = <%= port %>\n<% for (const name of names) { %>name = <%- name %>\n<% } %>');
  const args = template.prepare!(template.schema.parse({ src: 'app.ini.ejs', dest: '/etc/app.ini', mode: '0640' }), prepareContext(dir, { port: 8888, names: ['a&b', 'c'] }));
  t.is(args.rendered, '[app]\nport = 8888\nname = a&b\nname = c\n');
  t.deepEqual(template.facts(args), [{ kind: 'file', path: '/etc/app.ini', content: true }]);
  const change = template.plan(args, hostFacts({ files: new Map([['/etc/app.ini', MISSING]]) }), context)!;
  t.deepEqual(change.summary, ['create /etc/app.ini (mode 0640)']);
  t.regex(change.diff!, /--- \/dev\/null\n\+\+\+ \/etc\/app\.ini/);
  t.regex(change.diff!, /^\+port = 8888$/m);
  // the content travels base64 in a heredoc, never as plain text or in argv
  t.false(change.script.includes('port = 8888'));
  assertParses(change.script);
});

test('template: an undefined variable or property is an error naming it', (t) => {
  const dir = scratch();
  writeFileSync(join(dir, 'a.ejs'), 'x=<%= service.tls.cert %>\n');
  const args = template.schema.parse({ src: 'a.ejs', dest: '/etc/a' });
  const error = t.throws(() => template.prepare!(args, prepareContext(dir, { service: { name: 'x' } })));
  t.regex(error!.message, /service\.tls is not defined/);
  t.regex(error!.message, /a\.ejs:1/);
  const undefinedName = t.throws(() => template.prepare!(args, prepareContext(dir, {})));
  t.regex(undefinedName!.message, /service is not defined/);
  t.throws(() => template.prepare!(template.schema.parse({ src: 'missing.ejs', dest: '/etc/a' }), prepareContext(dir)), { message: /cannot read the template missing\.ejs/ });
});

test('template: the same content and attributes plan nothing; attributes alone plan only chmod/chown', (t) => {
  const rendered = 'listen 80;\n';
  const args = { ...template.schema.parse({ src: 'x', dest: '/etc/nginx/conf.d/a.conf', mode: '0644', owner: 'root', group: 'root' }), rendered };
  const same = hostFacts({ files: new Map([['/etc/nginx/conf.d/a.conf', fileFact(rendered)]]) });
  t.is(template.plan(args, same, context), null);
  const wrongMode = hostFacts({ files: new Map([['/etc/nginx/conf.d/a.conf', fileFact(rendered, { mode: 0o600, group: 'adm' })]]) });
  const change = template.plan(args, wrongMode, context)!;
  t.deepEqual(change.summary, ['/etc/nginx/conf.d/a.conf: group adm -> root', '/etc/nginx/conf.d/a.conf: mode 0600 -> 0644']);
  t.is(change.diff, undefined);
  t.notRegex(change.script, /cp_put/);
});

test('template: changed content shows a unified diff of the lines', (t) => {
  const args = { ...template.schema.parse({ src: 'x', dest: '/etc/a.conf' }), rendered: 'a\nb = 2\nc\n' };
  const change = template.plan(args, hostFacts({ files: new Map([['/etc/a.conf', fileFact('a\nb = 1\nc\n')]]) }), context)!;
  t.deepEqual(change.summary, ['update /etc/a.conf']);
  t.true(change.diff!.startsWith('--- /etc/a.conf\n+++ /etc/a.conf\n@@ -1,3 +1,3 @@\n'), change.diff);
  t.regex(change.diff!, /^-b = 1$/m);
  t.regex(change.diff!, /^\+b = 2$/m);
  t.regex(change.diff!, /^ a$/m);
});

test('template: a file too large to transfer is compared by hash and updated without a diff', (t) => {
  const args = { ...template.schema.parse({ src: 'x', dest: '/etc/big' }), rendered: 'new' };
  const big = { ...fileFact('old'), content: undefined, size: 300_000 };
  const change = template.plan(args, hostFacts({ files: new Map([['/etc/big', big]]) }), context)!;
  t.regex(change.summary[0]!, /too large to show a diff/);
  t.is(change.diff, undefined);
});

test('template: a directory at dest is an error, not something to overwrite', (t) => {
  const args = { ...template.schema.parse({ src: 'x', dest: '/etc/nginx' }), rendered: 'x' };
  t.throws(() => template.plan(args, hostFacts({ files: new Map([['/etc/nginx', directoryFact()]]) }), context), { instanceOf: PlanError });
});

test('modes: quoted strings and YAML 1.2 numbers are octal digits; anything else is refused', (t) => {
  t.is(template.schema.parse({ src: 'x', dest: '/a', mode: '0644' }).mode, 0o644);
  t.is(template.schema.parse({ src: 'x', dest: '/a', mode: 644 }).mode, 0o644);
  t.is(template.schema.parse({ src: 'x', dest: '/a', mode: '2775' }).mode, 0o2775);
  t.false(template.schema.safeParse({ src: 'x', dest: '/a', mode: '0844' }).success);
  t.false(template.schema.safeParse({ src: 'x', dest: '/a', mode: 'u+x' }).success);
  t.false(template.schema.safeParse({ src: 'x', dest: 'relative/a' }).success);
});

test('the write script creates, updates and keeps attributes of a real file', (t) => {
  const dir = scratch();
  const dest = join(dir, 'app.conf');
  const args = (rendered: string, mode?: string) => ({ ...template.schema.parse({ src: 'x', dest, ...(mode ? { mode } : {}) }), rendered });
  const created = template.plan(args('one\n', '0640'), hostFacts({ files: new Map([[dest, MISSING]]) }), context)!;
  t.is(runScript(created.script).code, 0);
  t.is(readFileSync(dest, 'utf8'), 'one\n');
  t.is(statSync(dest).mode & 0o7777, 0o640);
  // an update without a mode keeps the file's mode
  const updated = template.plan(args('two\n'), hostFacts({ files: new Map([[dest, fileFact('one\n', { mode: 0o640 })]]) }), context)!;
  t.is(runScript(updated.script).code, 0);
  t.is(readFileSync(dest, 'utf8'), 'two\n');
  t.is(statSync(dest).mode & 0o7777, 0o640);
  t.deepEqual(readdirSync(dir), ['app.conf'], 'no temporary file is left behind');
});

test('validate: a failing validator puts the previous file back and reports its output', (t) => {
  const dir = scratch();
  const dest = join(dir, 'site.conf');
  writeFileSync(dest, 'good\n');
  chmodSync(dest, 0o600);
  const validate = `grep -q good ${dest} || { echo "syntax error in ${dest}"; exit 1; }`;
  const args = { ...template.schema.parse({ src: 'x', dest, validate }), rendered: 'bad\n' };
  const change = template.plan(args, hostFacts({ files: new Map([[dest, fileFact('good\n', { mode: 0o600 })]]), probes: noInterruption(dest) }), context)!;
  const result = runScript(change.script);
  t.is(result.code, 1);
  t.regex(result.stderr, /validation of .*site\.conf failed/);
  t.regex(result.stderr, /syntax error in/);
  t.is(readFileSync(dest, 'utf8'), 'good\n');
  t.is(statSync(dest).mode & 0o7777, 0o600);
  t.deepEqual(readdirSync(dir), ['site.conf']);

  // passing validation keeps the new file
  const ok = { ...args, rendered: 'good and new\n' };
  t.is(runScript(template.plan(ok, hostFacts({ files: new Map([[dest, fileFact('good\n')]]), probes: noInterruption(dest) }), context)!.script).code, 0);
  t.is(readFileSync(dest, 'utf8'), 'good and new\n');
});

test('validate: a new file that fails validation is removed again', (t) => {
  const dir = scratch();
  const dest = join(dir, 'new.conf');
  const args = { ...template.schema.parse({ src: 'x', dest, validate: 'false' }), rendered: 'x\n' };
  const result = runScript(template.plan(args, hostFacts({ files: new Map([[dest, MISSING]]), probes: noInterruption(dest) }), context)!.script);
  t.is(result.code, 1);
  t.false(existsSync(dest));
  t.deepEqual(readdirSync(dir), []);
});

test('validate: a run cut off before the verdict is noticed; the next run puts the last validated file back and validates again', (t) => {
  const dir = scratch();
  const dest = join(dir, 'site.conf');
  writeFileSync(dest, 'good\n');
  const validate = `grep -q good ${dest} || { echo "syntax error in ${dest}"; exit 1; }`;
  const args = { ...template.schema.parse({ src: 'x', dest, validate }), rendered: 'bad\n' };
  const probe = noInterruptedValidationProbe(dest);
  t.deepEqual(template.facts(args), [{ kind: 'file', path: dest, content: true }, { kind: 'probe', command: probe }]);
  t.is(runScript(probe).code, 0, 'nothing was cut off');
  // a run that was killed while its validator ran: the refused file in place, its backup next to it
  const change = template.plan(args, hostFacts({ files: new Map([[dest, fileFact('good\n')]]), probes: noInterruption(dest) }), context)!;
  const killed = runScript(change.script.replace(/if ! cp_out=\$\(sh -c/, killBeforeTheVerdict));
  t.not(killed.code, 0);
  t.is(readFileSync(dest, 'utf8'), 'bad\n');
  t.is(runScript(probe).code, 1, 'the probe sees the backup');
  // the same wanted content again: not "ok", but validated again — and refused, with the good file back
  const again = template.plan(args, hostFacts({ files: new Map([[dest, fileFact('bad\n')]]), probes: new Map([[probe, 1]]) }), context)!;
  t.truthy(again, 'the file is what we want, but it was never validated');
  t.regex(again.summary.join('\n'), /validate .*site\.conf again: a run was cut off/);
  const result = runScript(again.script);
  t.is(result.code, 1);
  t.regex(result.stderr, /syntax error in/);
  t.is(readFileSync(dest, 'utf8'), 'good\n', 'the last validated file is back');
  t.deepEqual(readdirSync(dir), ['site.conf'], 'no backup is left');
  t.is(runScript(probe).code, 0);

  // a cut-off first write (no previous file): the next run removes the unvalidated file when refused
  const fresh = join(dir, 'new.conf');
  const freshArgs = { ...template.schema.parse({ src: 'x', dest: fresh, validate: 'false' }), rendered: 'x\n' };
  const first = template.plan(freshArgs, hostFacts({ files: new Map([[fresh, MISSING]]), probes: noInterruption(fresh) }), context)!;
  t.not(runScript(first.script.replace(/if ! cp_out=\$\(sh -c/, killBeforeTheVerdict)).code, 0);
  t.true(existsSync(fresh));
  t.is(runScript(noInterruptedValidationProbe(fresh)).code, 1);
  const retry = template.plan(freshArgs, hostFacts({ files: new Map([[fresh, fileFact('x\n')]]), probes: new Map([[noInterruptedValidationProbe(fresh), 1]]) }), context)!;
  t.is(runScript(retry.script).code, 1);
  t.false(existsSync(fresh), 'the never-validated file is gone');
  t.deepEqual(readdirSync(dir), ['site.conf']);
});

test('a missing parent directory fails with a clear message', (t) => {
  const dest = join(scratch(), 'no', 'such', 'file');
  const args = { ...template.schema.parse({ src: 'x', dest }), rendered: 'x' };
  const result = runScript(template.plan(args, hostFacts({ files: new Map([[dest, MISSING]]) }), context)!.script);
  t.is(result.code, 1);
  t.regex(result.stderr, /the directory .*no\/such does not exist/);
});

test('copy: content or src, exactly one', (t) => {
  t.false(copy.schema.safeParse({ dest: '/a' }).success);
  t.false(copy.schema.safeParse({ dest: '/a', src: 'x', content: 'y' }).success);
  t.true(copy.schema.safeParse({ dest: '/a', content: '' }).success);
});

test('copy: a local file is compared by content; binary files get a note instead of a diff', (t) => {
  const dir = scratch();
  writeFileSync(join(dir, 'key.pem'), Buffer.from([0, 1, 2, 255]));
  const args = copy.prepare!(copy.schema.parse({ src: 'key.pem', dest: '/etc/clam/tls/key.pem', mode: '0600' }), prepareContext(dir));
  t.deepEqual(copy.facts(args), [{ kind: 'file', path: '/etc/clam/tls/key.pem', content: true }]);
  const change = copy.plan(args, hostFacts({ files: new Map([['/etc/clam/tls/key.pem', fileFact(Buffer.from([0, 1]))]]) }), context)!;
  t.deepEqual(change.summary, ['update /etc/clam/tls/key.pem', '/etc/clam/tls/key.pem: mode 0644 -> 0600']);
  t.is(change.diff, 'Binary files /etc/clam/tls/key.pem and /etc/clam/tls/key.pem differ\n');
  t.is(copy.plan(args, hostFacts({ files: new Map([['/etc/clam/tls/key.pem', fileFact(Buffer.from([0, 1, 2, 255]), { mode: 0o600 })]]) }), context), null);
});

function sourceTree(): string {
  const dir = scratch();
  mkdirSync(join(dir, 'src', 'pkg', '__pycache__'), { recursive: true });
  mkdirSync(join(dir, 'src', '.git'), { recursive: true });
  writeFileSync(join(dir, 'src', 'setup.py'), 'from setuptools import setup\n');
  writeFileSync(join(dir, 'src', 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'src', 'run.sh'), 0o755);
  writeFileSync(join(dir, 'src', 'pkg', 'app.py'), 'application = None\n');
  writeFileSync(join(dir, 'src', 'pkg', '__pycache__', 'app.cpython-311.pyc'), 'x');
  writeFileSync(join(dir, 'src', '.git', 'HEAD'), 'ref\n');
  symlinkSync('pkg/app.py', join(dir, 'src', 'app.py'));
  return dir;
}

test('copy: a local directory is uploaded whole the first time, and only what differs later', (t) => {
  const local = sourceTree();
  const host = scratch();
  const dest = join(host, 'opt', 'src');
  const args = copy.prepare!(copy.schema.parse({ src: 'src', dest, directory_mode: '0755' }), prepareContext(local));
  t.deepEqual(copy.facts(args), [{ kind: 'file', path: dest }, { kind: 'tree', path: dest }]);
  const paths = args.source?.kind === 'directory' ? args.source.entries.map((entry) => entry.path) : [];
  t.deepEqual(paths, ['app.py', 'pkg', 'pkg/app.py', 'run.sh', 'setup.py'], 'no .git, no __pycache__');

  const first = copy.plan(args, hostFacts({ files: new Map([[dest, MISSING]]), trees: new Map([[dest, { exists: false, entries: new Map() }]]) }), context)!;
  t.true(first.summary.includes(`create directory ${dest}`));
  t.true(first.summary.includes(`create ${dest}/run.sh (10 bytes, mode 0755)`));
  t.is(runScript(first.script).code, 0);
  t.is(readFileSync(join(dest, 'pkg', 'app.py'), 'utf8'), 'application = None\n');
  t.is(statSync(join(dest, 'run.sh')).mode & 0o777, 0o755);
  t.is(statSync(join(dest, 'setup.py')).mode & 0o777, 0o644);

  // the host as the real facts script reads it: nothing left to do
  const requests = copy.facts(args);
  const gathered = runScript(buildFactsScript(requests));
  const converged = { ...hostFacts(), ...pick(parseFactsOutput(gathered.stdout, requests)) };
  t.is(copy.plan(args, converged, context), null);

  writeFileSync(join(local, 'src', 'pkg', 'app.py'), 'application = 1\n');
  const changed = copy.prepare!(copy.schema.parse({ src: 'src', dest }), prepareContext(local));
  t.deepEqual(copy.plan(changed, converged, context)!.summary, [`update ${dest}/pkg/app.py (16 bytes, mode 0644)`]);
});

function pick(facts: HostFacts): Pick<HostFacts, 'files' | 'trees'> {
  return { files: facts.files, trees: facts.trees };
}

test('a symbolic link to a directory at dest is replaced by the file, not written into the directory; the next plan converges', (t) => {
  const dir = scratch();
  mkdirSync(join(dir, 'elsewhere'));
  const dest = join(dir, 'app.conf');
  symlinkSync('elsewhere', dest);
  const args = { ...template.schema.parse({ src: 'x', dest, mode: '0644' }), rendered: 'one\n' };
  const requests = template.facts(args);
  const gather = () => ({ ...hostFacts(), ...pick(parseFactsOutput(runScript(buildFactsScript(requests)).stdout, requests)) });
  const change = template.plan(args, gather(), context)!;
  t.is(runScript(change.script).code, 0);
  t.false(lstatSync(dest).isSymbolicLink());
  t.is(readFileSync(dest, 'utf8'), 'one\n');
  t.deepEqual(readdirSync(join(dir, 'elsewhere')), [], 'nothing was moved into the directory');
  t.is(template.plan(args, gather(), context), null);
});

test('copy: a file kept private locally (0600, 0640) is uploaded with at most its local mode; an explicit mode is used as given', (t) => {
  const local = scratch();
  mkdirSync(join(local, 'src'));
  for (const [name, mode] of [['secret.cfg', 0o600], ['group.cfg', 0o640], ['open.cfg', 0o664], ['run.sh', 0o750]] as const) {
    writeFileSync(join(local, 'src', name), `${name}\n`);
    chmodSync(join(local, 'src', name), mode);
  }
  const dest = join(scratch(), 'src');
  const args = copy.prepare!(copy.schema.parse({ src: 'src', dest }), prepareContext(local));
  const change = copy.plan(args, hostFacts({ files: new Map([[dest, MISSING]]), trees: new Map([[dest, { exists: false, entries: new Map() }]]) }), context)!;
  t.is(runScript(change.script).code, 0);
  const modes = Object.fromEntries(readdirSync(dest).map((name) => [name, (statSync(join(dest, name)).mode & 0o777).toString(8)]));
  t.deepEqual(modes, { 'secret.cfg': '600', 'group.cfg': '640', 'open.cfg': '644', 'run.sh': '750' });
  const explicit = copy.prepare!(copy.schema.parse({ src: 'src', dest, mode: '0644' }), prepareContext(local));
  const planned = copy.plan(explicit, hostFacts({ files: new Map([[dest, MISSING]]), trees: new Map([[dest, { exists: false, entries: new Map() }]]) }), context)!;
  t.true(planned.summary.includes(`create ${dest}/secret.cfg (11 bytes, mode 0644)`));
});

test('copy: a single local file without mode is uploaded with at most its local mode, as a directory\'s files are; mode and content: as given', (t) => {
  const local = scratch();
  const modes: Array<[string, number, string]> = [['secret.cfg', 0o600, '0600'], ['group.cfg', 0o640, '0640'], ['open.cfg', 0o666, '0644'], ['run.sh', 0o750, '0750']];
  for (const [name, mode] of modes) {
    writeFileSync(join(local, name), `${name}\n`);
    chmodSync(join(local, name), mode);
  }
  const host = scratch();
  for (const [name, , expected] of modes) {
    const dest = join(host, name);
    const args = copy.prepare!(copy.schema.parse({ src: name, dest }), prepareContext(local));
    const change = copy.plan(args, hostFacts({ files: new Map([[dest, MISSING]]) }), context)!;
    t.deepEqual(change.summary, [`create ${dest} (mode ${expected})`], name);
    t.is(runScript(change.script).code, 0);
    t.is((statSync(dest).mode & 0o777).toString(8).padStart(4, '0'), expected, name);
    // a file already there, 0644 with the same content: only its mode is tightened
    t.deepEqual(copy.plan(args, hostFacts({ files: new Map([[dest, fileFact(`${name}\n`, { mode: 0o644 })]]) }), context)?.summary, expected === '0644' ? undefined : [`${dest}: mode 0644 -> ${expected}`], name);
  }
  const explicit = copy.prepare!(copy.schema.parse({ src: 'secret.cfg', dest: join(host, 'x'), mode: '0644' }), prepareContext(local));
  t.deepEqual(copy.plan(explicit, hostFacts({ files: new Map([[join(host, 'x'), MISSING]]) }), context)!.summary, [`create ${join(host, 'x')} (mode 0644)`]);
  const content = copy.prepare!(copy.schema.parse({ content: 'x\n', dest: join(host, 'y') }), prepareContext(local));
  t.deepEqual(copy.plan(content, hostFacts({ files: new Map([[join(host, 'y'), MISSING]]) }), context)!.summary, [`create ${join(host, 'y')}`], 'content has no local mode: 0644 as for any new file');
});
