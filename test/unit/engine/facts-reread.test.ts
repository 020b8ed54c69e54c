import test from 'ava';
import { FakeHost } from '../../helpers/fake-host.js';
import { directoryFact, fileFact, hostFacts, MISSING } from '../modules/host-facts.js';
import { commandsRun, play, run, runEngine, taskLines } from './engine-fixtures.js';

const DEFAULT_SITE = '/etc/web/sites-enabled/default';

/** A host where `install-web` creates the default site, as a package's install does. */
function web(): FakeHost {
  const host = new FakeHost('10.0.0.1', hostFacts({ files: new Map([[DEFAULT_SITE, MISSING], ['/', directoryFact()]]) }));
  return host.on('install-web', { effect: (facts) => facts.files.set(DEFAULT_SITE, fileFact('server {}\n')) });
}

test('after a change the facts are read again: the next task sees what the change created', async (t) => {
  const host = web();
  const { result } = await runEngine([host], [play([run('install-web'), run('write-default-site', { creates: DEFAULT_SITE })])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['install-web: changed', 'write-default-site: ok']);
  t.deepEqual(commandsRun(host), ['install-web']);
  t.is(host.factsReads, 2);
  t.is(result('10.0.0.1').commands, 4, 'the lock, the facts, install-web, the facts again; nothing for write-default-site');
});

test('the facts are read again once after a change, not before every later task, and not when nothing changed', async (t) => {
  const host = web();
  await runEngine([host], [play([run('check-a', { creates: '/' }), run('install-web'), run('check-b', { creates: '/' }), run('check-c', { creates: '/' })])]);
  t.is(host.factsReads, 2);
});

test('a handler after the last change sees the facts read again', async (t) => {
  const host = web();
  const { result } = await runEngine([host], [play([run('install-web', { notify: ['write-default-site'] })], [run('write-default-site', { creates: DEFAULT_SITE })])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['install-web: changed', 'handler write-default-site: ok']);
  t.is(host.factsReads, 2);
});

test('plan applies nothing, so it reads the facts once', async (t) => {
  const host = web();
  const { result } = await runEngine([host], [play([run('install-web'), run('write-default-site', { creates: DEFAULT_SITE })])], { mode: 'plan' });
  t.deepEqual(taskLines(result('10.0.0.1')), ['install-web: changed', 'write-default-site: changed']);
  t.is(host.factsReads, 1);
});
