import test from 'ava';
import { exitCodeFor } from '../../../src/commands/converge.js';
import { EXIT } from '../../../src/commands/exit-codes.js';
import { release } from '../../../src/modules/release.js';
import type { ModuleDefinition } from '../../../src/modules/types.js';
import type { ModuleTask } from '../../../src/playbook/types.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { hostFacts } from '../modules/host-facts.js';
import { flushHandlers, play, run, runEngine, taskLines } from './engine-fixtures.js';

const HOME = '/opt/clam/app';

function switchTo(id: string): ModuleTask {
  return {
    kind: 'module',
    name: `switch app to ${id}`,
    module: release as ModuleDefinition<unknown>,
    args: release.schema.parse({ home: HOME, label: 'app', state: 'switch', release: id }),
    when: undefined,
    scope: {},
    notify: ['restart-app'],
    tags: [],
  };
}

const deploy = play([switchTo('new'), flushHandlers(), run('health-check')], [run('restart-app')]);

function host(): FakeHost {
  return new FakeHost('10.0.0.1', hostFacts({ releases: new Map([[HOME, { current: 'old', releases: [{ id: 'old', deployedAt: '2026-12-01T10:00:00Z' }, { id: 'new' }] }]]) }));
}

/** Which release each script switched `current` to (restart-app and the check: their own names). */
function what(script: string): string {
  return /ln -sfn '?releases\/(\w+)/.exec(script)?.[1] ?? /\(\nset \+e\n([\s\S]*?)\n\)/.exec(script)?.[1] ?? script;
}

test('a failed health check after a release switch: the switch is taken back, the service restarted on the old release, the host failed', async (t) => {
  const web = host().on('health-check', { code: 1, stderr: 'http://127.0.0.1/ answered 502' });
  const { result, results } = await runEngine([web], [deploy]);
  t.deepEqual(web.taskScripts.map(what), ['new', 'restart-app', 'health-check', 'old', 'restart-app']);
  t.deepEqual(taskLines(result('10.0.0.1')), [
    'switch app to new: changed',
    'handler restart-app: changed',
    'health-check: failed',
    'switch app to new (taken back: the host failed): changed',
    'handler restart-app: changed',
  ]);
  t.is(result('10.0.0.1').status, 'failed');
  t.is(result('10.0.0.1').error, "task 'health-check' failed: http://127.0.0.1/ answered 502; taken back: switch app back to release old");
  t.is(exitCodeFor('apply', results), EXIT.failed);
});

test('a healthy release stays: nothing is taken back', async (t) => {
  const web = host();
  const { result } = await runEngine([web], [deploy]);
  t.deepEqual(web.taskScripts.map(what), ['new', 'restart-app', 'health-check']);
  t.is(result('10.0.0.1').status, 'changed');
});

test('a failure that comes before the switch takes nothing back; plan runs nothing', async (t) => {
  const early = host().on('migrate', { code: 1, stderr: 'no' });
  const { result } = await runEngine([early], [play([run('migrate'), switchTo('new'), run('health-check')], [run('restart-app')])]);
  t.deepEqual(early.taskScripts.map(what), ['migrate']);
  t.is(result('10.0.0.1').error, "task 'migrate' failed: no");

  const planned = host().on('health-check', { code: 1 });
  await runEngine([planned], [deploy], { mode: 'plan' });
  t.deepEqual(planned.taskScripts, []);
});

test('when taking back fails too, the error says both', async (t) => {
  const web = host().on('health-check', { code: 1, stderr: 'down' }).on("releases/old", { code: 1, stderr: 'read-only file system' });
  const { result } = await runEngine([web], [deploy]);
  t.regex(result('10.0.0.1').error!, /^task 'health-check' failed: down; taking it back failed too: read-only file system/);
});
