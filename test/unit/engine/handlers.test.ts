import test from 'ava';
import { FakeHost } from '../../helpers/fake-host.js';
import { hostFacts } from '../modules/host-facts.js';
import { commandsRun, flushHandlers, play, run, runEngine, taskLines } from './engine-fixtures.js';
import { service } from '../../../src/modules/service.js';
import type { ModuleDefinition } from '../../../src/modules/types.js';
import type { ModuleTask } from '../../../src/playbook/types.js';

const IDEMPOTENT = '/etc/already-done';

/** A host on which `run(cmd, { creates: IDEMPOTENT })` has nothing to do. */
function web(address = '10.0.0.1'): FakeHost {
  const facts = hostFacts();
  facts.files.set(IDEMPOTENT, { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', size: 0 });
  return new FakeHost(address, facts);
}

test('handlers run once each at the end of the play, in the order they are defined, however often and in whatever order they were notified', async (t) => {
  const host = web();
  const { result } = await runEngine(
    [host],
    [
      play(
        [run('write-config', { notify: ['restart-app'] }), run('write-site', { notify: ['reload-web', 'restart-app'] }), run('write-more', { notify: ['reload-web'] })],
        [run('reload-web'), run('restart-app'), run('never-notified')],
      ),
    ],
  );
  t.deepEqual(commandsRun(host), ['write-config', 'write-site', 'write-more', 'reload-web', 'restart-app']);
  t.deepEqual(taskLines(result('10.0.0.1')), [
    'write-config: changed',
    'write-site: changed',
    'write-more: changed',
    'handler reload-web: changed',
    'handler restart-app: changed',
  ]);
  t.is(result('10.0.0.1').status, 'changed');
});

test('a task that changes nothing notifies nothing', async (t) => {
  const host = web();
  const { result } = await runEngine([host], [play([run('already-there', { creates: IDEMPOTENT, notify: ['restart-app'] })], [run('restart-app')])]);
  t.deepEqual(commandsRun(host), []);
  t.deepEqual(taskLines(result('10.0.0.1')), ['already-there: ok']);
  t.is(result('10.0.0.1').status, 'ok');
});

test('flush_handlers runs the handlers notified so far, there; one notified again later runs again at the end', async (t) => {
  const host = web();
  await runEngine(
    [host],
    [
      play(
        [
          run('install-app', { notify: ['restart-app'] }),
          run('write-site', { notify: ['reload-web'] }),
          flushHandlers(),
          run('check-app'),
          run('change-app', { notify: ['restart-app'] }),
        ],
        [run('reload-web'), run('restart-app')],
      ),
    ],
  );
  t.deepEqual(commandsRun(host), ['install-app', 'write-site', 'reload-web', 'restart-app', 'check-app', 'change-app', 'restart-app']);
});

test('a flush with nothing notified runs no handler; handlers flushed are not run again at the end', async (t) => {
  const host = web();
  await runEngine(
    [host],
    [play([flushHandlers(), run('install-app', { notify: ['restart-app'] }), flushHandlers(), run('check-app')], [run('restart-app')])],
  );
  t.deepEqual(commandsRun(host), ['install-app', 'restart-app', 'check-app']);
});

test('handlers belong to their play: each play runs its own at its end', async (t) => {
  const host = web();
  await runEngine(
    [host],
    [
      play([run('first-change', { notify: ['first-handler'] })], [run('first-handler')], 'first'),
      play([run('second-change', { notify: ['second-handler'] })], [run('second-handler')], 'second'),
    ],
  );
  t.deepEqual(commandsRun(host), ['first-change', 'first-handler', 'second-change', 'second-handler']);
});

test('plan lists the handlers that apply would run, and runs no task script', async (t) => {
  const host = web();
  const { result } = await runEngine(
    [host],
    [play([run('write-config', { notify: ['restart-app'] }), run('write-site', { notify: ['restart-app'] })], [run('restart-app')])],
    { mode: 'plan' },
  );
  t.deepEqual(host.taskScripts, []);
  t.is(host.locksTaken, 0);
  t.deepEqual(taskLines(result('10.0.0.1')), ['write-config: changed', 'write-site: changed', 'handler restart-app: changed']);
  t.is(result('10.0.0.1').commands, 1, 'the facts command only: plan takes no lock');
});

/** A `service` task (a handler when state is restarted) for the unit clam-app. */
function appService(name: string, args: Record<string, unknown>, notify: string[] = []): ModuleTask {
  return { kind: 'module', name, module: service as ModuleDefinition<unknown>, args: service.schema.parse(args), when: undefined, scope: {}, notify, tags: [] };
}

test('a unit started from stopped after the change that notified its restart is not restarted again (skipped, with why); a change after the start still restarts it', async (t) => {
  // the unit by both its names, as the facts read it for each task
  const unit = (active: string) => ({ exists: true, manager: 'systemd' as const, active, enabled: 'enabled' });
  const stopped = () => {
    const host = new FakeHost('10.0.0.1', hostFacts({ services: new Map([['clam-app', unit('inactive')], ['clam-app.service', unit('inactive')]]) }));
    host.on('cp_systemctl start clam-app', { effect: (facts) => ['clam-app', 'clam-app.service'].forEach((name) => facts.services.set(name, unit('active'))) });
    return host;
  };
  const handlers = [appService('restart app', { name: 'clam-app.service', state: 'restarted', daemon_reload: true })];
  const start = appService('start app', { name: 'clam-app', state: 'started' });

  const first = stopped();
  const { result } = await runEngine([first], [play([run('write-config', { notify: ['restart app'] }), start], handlers)]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['write-config: changed', 'start app: changed', 'handler restart app: skipped']);
  t.deepEqual(result('10.0.0.1').tasks.at(-1)!.summary, ['not needed: clam-app was started after the change that notified it']);
  t.is(first.scriptsWith('cp_systemctl restart').length, 0);

  const later = stopped();
  const again = await runEngine([later], [play([run('write-config', { notify: ['restart app'] }), start, run('write-more', { notify: ['restart app'] })], handlers)]);
  t.deepEqual(taskLines(again.result('10.0.0.1')), ['write-config: changed', 'start app: changed', 'write-more: changed', 'handler restart app: changed']);

  // a handler that is off on this host (compiled without arguments) notified beside it: skipped as before
  const off: ModuleTask = { ...appService('restart other', { name: 'clam-other', state: 'restarted' }), when: false, args: undefined };
  const withOff = await runEngine([stopped()], [play([run('write-config', { notify: ['restart app', 'restart other'] }), start], [...handlers, off])]);
  t.deepEqual(taskLines(withOff.result('10.0.0.1')), ['write-config: changed', 'start app: changed', 'handler restart app: skipped', 'handler restart other: skipped']);

  // plan says the same as apply
  const planned = await runEngine([stopped()], [play([run('write-config', { notify: ['restart app'] }), start], handlers)], { mode: 'plan' });
  t.deepEqual(taskLines(planned.result('10.0.0.1')), ['write-config: changed', 'start app: changed', 'handler restart app: skipped']);
});

test('a running unit: its start changes nothing and the restart notified before it runs', async (t) => {
  const host = new FakeHost('10.0.0.1', hostFacts({ services: new Map([['clam-app', { exists: true, manager: 'systemd', active: 'active', enabled: 'enabled' }]]) }));
  const { result } = await runEngine(
    [host],
    [play([run('write-config', { notify: ['restart app'] }), appService('start app', { name: 'clam-app', state: 'started' })], [appService('restart app', { name: 'clam-app', state: 'restarted' })])],
  );
  t.deepEqual(taskLines(result('10.0.0.1')), ['write-config: changed', 'start app: ok', 'handler restart app: changed']);
});
