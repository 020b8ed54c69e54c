import test from 'ava';
import type { ServiceFact } from '../../../src/facts/types.js';
import { describeScriptFailure } from '../../../src/modules/lib/service-logs.js';
import { SETTLE_SECONDS, service } from '../../../src/modules/service.js';
import { PlanError } from '../../../src/modules/types.js';
import { runOnFakeHost, uwsgiImportFailure, type FakeHost } from './fake-systemd.js';
import { assertParses, hostFacts } from './host-facts.js';

const task = { taskName: 't', inHandler: false };
const handler = { taskName: 'h', inHandler: true };
const args = (input: unknown) => service.schema.parse(input);
const unit = (fact: Partial<ServiceFact>): ServiceFact => ({ manager: 'systemd', exists: true, active: 'active', enabled: 'enabled', ...fact });
const withService = (name: string, fact: ServiceFact, init: 'systemd' | 'other' = 'systemd', os: 'bookworm' | 'noble' | 'jammy' = 'bookworm') =>
  hostFacts({ init, services: new Map([[name, fact]]) }, os);

test('started + enabled: nothing to do when running and enabled', (t) => {
  t.is(service.plan(args({ name: 'nginx', state: 'started', enabled: true }), withService('nginx', unit({})), task), null);
});

test('a stopped, disabled unit is enabled and started, in that order', (t) => {
  const change = service.plan(args({ name: 'nginx', state: 'started', enabled: true }), withService('nginx', unit({ active: 'inactive', enabled: 'disabled' })), task)!;
  t.deepEqual(change.summary, ['enable nginx', 'start nginx']);
  t.regex(change.script, /\ncp_quiet systemctl enable nginx\ncp_systemctl start nginx\n/);
  assertParses(change.script);
});

test('failed counts as not running', (t) => {
  t.deepEqual(service.plan(args({ name: 'clam-x', state: 'started' }), withService('clam-x', unit({ active: 'failed' })), task)!.summary, ['start clam-x']);
});

test('static units count as enabled (they cannot be enabled)', (t) => {
  t.is(service.plan(args({ name: 'x', enabled: true }), withService('x', unit({ enabled: 'static' })), task), null);
});

test('stopped + disabled for a unit that does not exist: nothing to do', (t) => {
  const missing = unit({ exists: false, active: 'inactive', enabled: '' });
  t.is(service.plan(args({ name: 'apache2', state: 'stopped', enabled: false }), withService('apache2', missing), task), null);
});

test('a unit not on the host yet (installed by an earlier task) is planned, with a note', (t) => {
  const missing = unit({ exists: false, active: 'inactive', enabled: '' });
  const change = service.plan(args({ name: 'clam-x', state: 'started', enabled: true, daemon_reload: true }), withService('clam-x', missing), task)!;
  t.deepEqual(change.summary, ['enable clam-x (clam-x is not on the host yet)', 'start clam-x (clam-x is not on the host yet)']);
  t.regex(change.script, /\ncp_quiet systemctl daemon-reload\ncp_quiet systemctl enable clam-x\ncp_systemctl start clam-x\n/);
});

test('restarted and reloaded are refused outside handlers', (t) => {
  for (const state of ['restarted', 'reloaded']) {
    const error = t.throws(() => service.plan(args({ name: 'nginx', state }), withService('nginx', unit({})), task), { instanceOf: PlanError });
    t.regex(error!.message, /only allowed in a handler/);
  }
});

test('in a handler: restart always; reload a running service, start a stopped one', (t) => {
  t.deepEqual(service.plan(args({ name: 'nginx', state: 'restarted' }), withService('nginx', unit({})), handler)!.summary, ['restart nginx']);
  t.deepEqual(service.plan(args({ name: 'nginx', state: 'reloaded' }), withService('nginx', unit({})), handler)!.summary, ['reload nginx']);
  t.deepEqual(service.plan(args({ name: 'nginx', state: 'reloaded' }), withService('nginx', unit({ active: 'inactive' })), handler)!.summary, ['start nginx']);
});

test('daemon-reload: first when the unit file changed on disk, or when asked and something is done', (t) => {
  const stale = unit({ needsDaemonReload: true });
  const restart = service.plan(args({ name: 'clam-x', state: 'restarted' }), withService('clam-x', stale), handler)!;
  t.regex(restart.script, /\ncp_quiet systemctl daemon-reload\ncp_systemctl restart clam-x\n/);
  const onlyReload = service.plan(args({ name: 'clam-x', state: 'started' }), withService('clam-x', stale), task)!;
  t.deepEqual(onlyReload.summary, ["reload systemd's unit files (clam-x's changed on disk)"]);
  t.is(service.plan(args({ name: 'clam-x', state: 'started', daemon_reload: true }), withService('clam-x', unit({})), task), null);
});

test('a masked unit is an error when it should run', (t) => {
  t.throws(() => service.plan(args({ name: 'nginx', state: 'started' }), withService('nginx', unit({ enabled: 'masked', active: 'inactive' })), task), {
    instanceOf: PlanError,
    message: /masked/,
  });
});

test('without systemd as PID 1: init scripts and update-rc.d', (t) => {
  const fact: ServiceFact = { manager: 'initscript', exists: true, active: 'inactive', enabled: 'disabled' };
  const change = service.plan(args({ name: 'nginx', state: 'started', enabled: true }), withService('nginx', fact, 'other'), task)!;
  t.deepEqual(change.summary, ['enable nginx', 'start nginx']);
  t.regex(change.script, /update-rc\.d nginx defaults >\/dev\/null\nupdate-rc\.d nginx enable\nservice nginx start/);
  t.notRegex(change.script, /systemctl/);
  assertParses(change.script);
  const restart = service.plan(args({ name: 'nginx', state: 'restarted' }), withService('nginx', { ...fact, active: 'active' }, 'other'), handler)!;
  t.regex(restart.script, /service nginx restart/);
});

test('Ubuntu hosts plan like Debian ones', (t) => {
  for (const os of ['noble', 'jammy'] as const) {
    const change = service.plan(args({ name: 'nginx', state: 'started' }), withService('nginx', unit({ active: 'inactive' }), 'systemd', os), task)!;
    t.deepEqual(change.summary, ['start nginx'], os);
  }
});

test('an activating unit is not running yet: started starts it (a crashing uWSGI stays "activating (auto-restart)"); stopped still stops it', (t) => {
  const activating = withService('clam-x', unit({ active: 'activating' }));
  t.deepEqual(service.plan(args({ name: 'clam-x', state: 'started' }), activating, task)!.summary, ['start clam-x (it is activating: starting, or restarting after a failure)']);
  t.deepEqual(service.plan(args({ name: 'clam-x', state: 'stopped' }), activating, task)!.summary, ['stop clam-x']);
  t.deepEqual(service.plan(args({ name: 'clam-x', state: 'reloaded' }), activating, handler)!.summary, ['start clam-x'], 'nothing to reload yet');
  t.deepEqual(service.plan(args({ name: 'clam-x', state: 'restarted' }), activating, handler)!.summary, ['restart clam-x']);
  t.is(service.plan(args({ name: 'clam-x', state: 'started' }), withService('clam-x', unit({ active: 'reloading' })), task), null);
});

// --- the script, run against a stand-in systemd

const LIBXSLT = 'ImportError: libxslt.so.1: cannot open shared object file: No such file or directory';

/** Enables and starts clam-shout on a host where it is new, the way the playbook's task does. */
function startShout(host: FakeHost) {
  const fresh = unit({ active: 'inactive', enabled: 'disabled' });
  const change = service.plan(args({ name: 'clam-shout', state: 'started', enabled: true, daemon_reload: true }), withService('clam-shout', fresh), task)!;
  assertParses(change.script);
  const result = runOnFakeHost(change.script, host);
  return { ...result, error: describeScriptFailure(result) };
}

test('a unit that starts and stays up: exit 0, and nothing printed (systemctl enable\'s "Created symlink" is no news)', (t) => {
  const result = startShout({ states: ['inactive/dead', 'active/running'] });
  t.is(result.code, 0, result.stderr);
  t.is(result.stderr, '');
  t.deepEqual(result.calls.filter((call) => !call.startsWith('show')), ['daemon-reload', 'enable clam-shout', 'reset-failed clam-shout', 'start clam-shout']);
  t.is(result.calls.filter((call) => call.startsWith('show -p SubState')).length, 3, 'one look before, two while it runs');
});

test('a start that fails: the error is the unit\'s journal, its cause and a hint — not systemctl\'s output', (t) => {
  const result = startShout({ states: ['inactive/dead', 'activating/auto-restart'], failing: ['start'], journals: { 'clam-shout': uwsgiImportFailure('clam-shout', [LIBXSLT]) } });
  t.is(result.code, 1);
  t.regex(result.error, /^clam-shout did not start: it is activating \(auto-restart\)\nclam-shout's journal, last lines:\n/);
  t.true(result.error.includes(`\n  ${LIBXSLT}\n`), result.error);
  t.true(result.error.endsWith(`\ncause: ${LIBXSLT}\nhint: libxslt.so.1 is missing on the host; it comes with the Debian package libxslt1.1: install it with apt_packages: [libxslt1.1]`), result.error);
  for (const noise of ['Created symlink', 'See "systemctl status', 'Job for ', 'Failed to start ', 'Main process exited']) t.false(result.error.includes(noise), noise);
  t.deepEqual(result.journalctl, ['-q -u clam-shout -n 200 --no-pager -o cat']);
});

test('a unit that systemd counted as started but that crashes right after: the looks catch auto-restart and failed', (t) => {
  for (const crashed of ['activating/auto-restart', 'failed/failed']) {
    const result = startShout({ states: ['inactive/dead', 'active/running', crashed], journals: { 'clam-shout': 'Traceback (most recent call last):\n  File "x"\nRuntimeError: boom\n' } });
    t.is(result.code, 1, crashed);
    t.regex(result.error, crashed === 'failed/failed' ? /^clam-shout did not start: it is failed\n/ : /^clam-shout did not start: it is activating \(auto-restart\)\n/);
    t.regex(result.error, /\ncause: RuntimeError: boom$/);
  }
});

test('a unit still activating after the settle time fails too, after twice that many looks', (t) => {
  const result = startShout({ states: ['inactive/dead', 'activating/start'] });
  t.is(result.code, 1);
  t.is(result.calls.filter((call) => call.startsWith('show -p SubState')).length, 1 + SETTLE_SECONDS * 2 + 1);
  t.regex(result.error, /^clam-shout did not start: it is activating \(start\)\nclam-shout's journal: empty$/);
});

test('a unit waiting to be restarted by systemd is restarted at once, not started (a start would wait for the retry)', (t) => {
  const activating = withService('clam-shout', unit({ active: 'activating' }));
  const change = service.plan(args({ name: 'clam-shout', state: 'started' }), activating, task)!;
  const result = runOnFakeHost(change.script, { states: ['activating/auto-restart', 'active/running'] });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(result.calls.filter((call) => !call.startsWith('show')), ['reset-failed clam-shout', 'restart clam-shout']);
});

test('a failed reload shows the journal (nginx says what is wrong there); a reload is not waited for', (t) => {
  const change = service.plan(args({ name: 'nginx', state: 'reloaded' }), withService('nginx', unit({})), handler)!;
  const result = runOnFakeHost(change.script, { states: ['active/running'], failing: ['reload'], journals: { nginx: 'Reloading nginx.service - A high performance web server...\nnginx: [emerg] unknown directive "uwsgi_pas" in /etc/nginx/conf.d/clam-web1.conf:12\n' } });
  t.is(result.code, 1);
  t.is(describeScriptFailure(result), "nginx did not reload: it is active (running)\nnginx's journal, last lines:\n  nginx: [emerg] unknown directive \"uwsgi_pas\" in /etc/nginx/conf.d/clam-web1.conf:12");
  const fine = runOnFakeHost(change.script, { states: ['active/running'] });
  t.is(fine.code, 0);
  t.deepEqual(fine.calls.filter((call) => !call.startsWith('show')), ['reload nginx'], 'its start limit is left alone');
  t.is(fine.calls.filter((call) => call.startsWith('show -p SubState')).length, 1);
});

test('enable failing: what systemctl said is the error', (t) => {
  const result = startShout({ states: ['inactive/dead'], failing: ['enable'] });
  t.is(result.code, 1);
  t.regex(result.stderr, /^Created symlink .*\nJob for clam-shout.service failed/, 'the failed command\'s own output');
  t.false(result.calls.some((call) => call.startsWith('start')));
});
