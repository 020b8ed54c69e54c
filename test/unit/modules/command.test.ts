import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from '../../../src/modules/command.js';
import { MISSING, fileFact, hostFacts, runScript } from './host-facts.js';

const context = { taskName: 'cmd', inHandler: false };
const args = (input: unknown) => command.schema.parse(input);

test('without guards a command runs every time', (t) => {
  const change = command.plan(args({ cmd: 'a2enmod -q proxy' }), hostFacts(), context)!;
  t.deepEqual(change.summary, ['run: a2enmod -q proxy']);
  t.deepEqual(command.facts(args({ cmd: 'x' })), []);
});

test('creates: skipped when the path exists', (t) => {
  const wanted = args({ cmd: 'a2enmod -q ssl', creates: '/etc/apache2/mods-enabled/ssl.load' });
  t.deepEqual(command.facts(wanted), [{ kind: 'file', path: '/etc/apache2/mods-enabled/ssl.load' }]);
  t.is(command.plan(wanted, hostFacts({ files: new Map([['/etc/apache2/mods-enabled/ssl.load', fileFact('')]]) }), context), null);
  t.truthy(command.plan(wanted, hostFacts({ files: new Map([['/etc/apache2/mods-enabled/ssl.load', MISSING]]) }), context));
});

test('removes: skipped when the path is gone', (t) => {
  const wanted = args({ cmd: 'rm /tmp/x', removes: '/tmp/x' });
  t.is(command.plan(wanted, hostFacts({ files: new Map([['/tmp/x', MISSING]]) }), context), null);
});

test('unless: the probe runs in chdir like the command; exit 0 skips', (t) => {
  const wanted = args({ cmd: 'make install', chdir: '/opt/app', unless: 'test -f installed' });
  const [probe] = command.facts(wanted);
  t.is(probe?.kind, 'probe');
  const probeCommand = probe?.kind === 'probe' ? probe.command : '';
  t.regex(probeCommand, /^cd \/opt\/app && \{ test -f installed\n\}$/);
  t.is(command.plan(wanted, hostFacts({ probes: new Map([[probeCommand, 0]]) }), context), null);
  t.truthy(command.plan(wanted, hostFacts({ probes: new Map([[probeCommand, 1]]) }), context));
});

test('the script runs the command in chdir and fails with its exit status', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-cmd-'));
  const ok = command.plan(args({ cmd: 'pwd > out; echo "$0" > shell', chdir: dir }), hostFacts(), context)!;
  t.is(runScript(ok.script).code, 0);
  t.is(readFileSync(join(dir, 'out'), 'utf8').trim(), dir);
  const failing = command.plan(args({ cmd: 'false; echo still-runs; exit 7' }), hostFacts(), context)!;
  const result = runScript(failing.script);
  t.is(result.code, 7);
  t.regex(result.stdout, /still-runs/, 'set -e of the script does not leak into the command');
});

test('a command that reads stdin gets nothing, not the rest of the script', (t) => {
  const change = command.plan(args({ cmd: 'cat; echo done' }), hostFacts(), context)!;
  const result = runScript(change.script);
  t.is(result.code, 0);
  t.is(result.stdout, 'done\n');
});

test('long commands are summarized by their first line', (t) => {
  const change = command.plan(args({ cmd: 'dir=$(x)\n&& ln -s "$dir" y' }), hostFacts(), context)!;
  t.deepEqual(change.summary, ['run: dir=$(x) …']);
});
