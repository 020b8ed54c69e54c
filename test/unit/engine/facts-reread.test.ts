import test from 'ava';
import { FakeHost } from '../../helpers/fake-host.js';
import { directoryFact, fileFact, hostFacts, MISSING } from '../modules/host-facts.js';
import { commandsRun, flushHandlers, play, run, runEngine, taskLines } from './engine-fixtures.js';

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
  t.is(result('10.0.0.1').commands, 3, 'the lock, the facts, install-web with the facts of write-default-site read after it; nothing for write-default-site');
});

test('after a change the facts are read again for the next task, then once for all the later ones: not before every later task, and not when nothing changed', async (t) => {
  const host = web();
  const checks = ['check-b', 'check-c', 'check-d', 'check-e'].map((name) => run(name, { creates: '/' }));
  await runEngine([host], [play([run('check-a', { creates: '/' }), run('install-web'), ...checks])]);
  t.is(host.factsReads, 3, 'all of them, check-b\'s alone after install-web, all of them again for check-c and the tasks after it');
});

test('the facts read again after a change are the next task\'s own and the prelude\'s, nothing else', async (t) => {
  const host = web();
  host.facts.files.set('/srv/a', MISSING);
  await runEngine([host], [play([run('install-web'), run('check-b', { creates: DEFAULT_SITE }), run('check-z', { creates: '/srv/a' })])]);
  const [first, again] = host.factsScripts;
  t.true(first!.includes(' /srv/a ') && first!.includes(` ${DEFAULT_SITE} `));
  t.true(again!.includes(` ${DEFAULT_SITE} `) && again!.includes('@@os'));
  t.false(again!.includes(' /srv/a '));
});

test('after a change and a task that changed nothing, the facts read are those of the tasks from there on (handlers included), not those of the tasks before', async (t) => {
  const host = web();
  host.facts.files.set('/srv/a', directoryFact());
  host.facts.files.set('/srv/h', directoryFact());
  const tasks = [run('check-a', { creates: '/srv/a' }), run('install-web'), run('check-b', { creates: '/' }), run('check-c', { creates: DEFAULT_SITE })];
  const { result } = await runEngine([host], [play(tasks, [run('handler-h', { creates: '/srv/h' })])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['check-a: ok', 'install-web: changed', 'check-b: ok', 'check-c: ok']);
  t.is(host.factsReads, 3);
  const ahead = host.factsScripts[2]!;
  t.true(ahead.includes(` ${DEFAULT_SITE} `) && ahead.includes(' /srv/h '));
  t.false(ahead.includes(' /srv/a '));
});

test('after a change a task skipped whatever the facts say reads nothing; the next one reads its own', async (t) => {
  const host = web();
  const { result } = await runEngine([host], [play([run('install-web'), run('never', { when: false }), run('check-b', { creates: DEFAULT_SITE })])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['install-web: changed', 'never: skipped', 'check-b: ok']);
  t.is(host.factsReads, 2);
  t.true(host.factsScripts[1]!.includes(` ${DEFAULT_SITE} `));
});

test('a condition on the prelude\'s facts is decided on the facts read for the task alone', async (t) => {
  const host = web();
  const { result } = await runEngine([host], [play([run('install-web'), run('check-b', { creates: DEFAULT_SITE, when: "facts.os.codename == 'bookworm'" })])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['install-web: changed', 'check-b: ok']);
  t.is(host.factsReads, 2);
});

test('a condition on facts beyond the prelude has all of them read again after a change', async (t) => {
  const host = web();
  const when = 'facts.files != null';
  const { result } = await runEngine([host], [play([run('install-web'), run('check-b', { creates: DEFAULT_SITE, when })])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['install-web: changed', 'check-b: ok']);
  t.is(host.factsReads, 3, 'all of them, the task\'s own after install-web, then all of them for its condition');
  t.true(host.factsScripts[2]!.includes(` ${DEFAULT_SITE} `));
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

test('a change and the facts of the task after it are one command; a handler that may run first leaves them to be read before that task', async (t) => {
  const host = web();
  const tasks = [run('install-web', { notify: ['h'] }), run('check-b', { creates: DEFAULT_SITE }), flushHandlers(), run('install-more'), run('check-c', { creates: DEFAULT_SITE })];
  const { result } = await runEngine([host], [play(tasks, [run('h')])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['install-web: changed', 'check-b: ok', 'handler h: changed', 'install-more: changed', 'check-c: ok']);
  // the lock, the facts, install-web + check-b's, the facts of h and the tasks after it, h,
  // install-more's (after h changed something), install-more + check-c's
  t.is(result('10.0.0.1').commands, 7);
  t.is(host.factsReads, 5);
});

test('a change that fails reads no facts after it', async (t) => {
  const host = web().on('break-it', { code: 3, stderr: 'broken' });
  const { result } = await runEngine([host], [play([run('break-it'), run('check-b', { creates: DEFAULT_SITE })])]);
  t.deepEqual(taskLines(result('10.0.0.1')), ['break-it: failed']);
  t.is(host.factsReads, 1);
});
