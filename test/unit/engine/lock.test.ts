import test from 'ava';
import { exitCodeFor } from '../../../src/commands/converge.js';
import { EXIT } from '../../../src/commands/exit-codes.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { hostFacts } from '../modules/host-facts.js';
import { play, run, runEngine } from './engine-fixtures.js';

const deploy = play([run('write-config')]);
const WAITING = 'waiting for another clamprovision run on this host to finish';

test('a host whose lock another run holds past --lock-timeout fails without reading facts or running a task; the others go on', async (t) => {
  const busy = new FakeHost('10.0.0.1', hostFacts());
  const free = new FakeHost('10.0.0.2', hostFacts());
  busy.lockedByAnotherRun();
  const started = Date.now();
  const { result, results, observed } = await runEngine([busy, free], [deploy], { lockTimeoutSeconds: 2 });
  t.true(Date.now() - started >= 1900, 'waited for the lock as long as --lock-timeout says');
  t.like(result('10.0.0.1'), {
    status: 'failed',
    error: 'another clamprovision run still holds the lock on this host after 2 s (/run/clamprovision/lock): command ended (exit 1) before it was ready',
    commands: 1,
    tasks: [],
  });
  t.is(busy.factsReads, 0);
  t.deepEqual(busy.taskScripts, []);
  t.deepEqual(observed.notices, [`10.0.0.1: ${WAITING}`]);
  t.is(result('10.0.0.2').status, 'changed');
  t.is(free.locksTaken, 1);
  t.is(exitCodeFor('apply', results), EXIT.failed);
});

test('a run waits for the lock another run releases in time, saying so once, then converges', async (t) => {
  const host = new FakeHost('10.0.0.1', hostFacts());
  const release = host.lockedByAnotherRun();
  setTimeout(release, 1300);
  const { result, observed } = await runEngine([host], [deploy], { lockTimeoutSeconds: 10 });
  t.is(result('10.0.0.1').status, 'changed');
  t.is(host.locksTaken, 1);
  t.deepEqual(observed.notices, [`10.0.0.1: ${WAITING}`]);
});

test('apply runs its tasks under the lock, taken at once without a word when free, released at the end', async (t) => {
  const host = new FakeHost('10.0.0.1', hostFacts());
  const { result, observed } = await runEngine([host], [play([run('write-config', { notify: ['restart-app'] })], [run('restart-app')])]);
  t.is(result('10.0.0.1').status, 'changed');
  t.is(host.locksTaken, 1);
  t.is(host.taskScripts.length, 2);
  t.is(host.unlockedTaskScripts, 0);
  t.false(host.locked);
  t.deepEqual(observed.notices, []);
});
