import test from 'ava';
import type { ServiceFact } from '../../../src/facts/types.js';
import { service } from '../../../src/modules/service.js';
import { PlanError } from '../../../src/modules/types.js';
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
  t.regex(change.script, /systemctl enable nginx\nsystemctl start nginx/);
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
  t.regex(change.script, /systemctl daemon-reload\nsystemctl enable clam-x\nsystemctl start clam-x/);
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
  t.regex(restart.script, /systemctl daemon-reload\nsystemctl restart clam-x/);
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
