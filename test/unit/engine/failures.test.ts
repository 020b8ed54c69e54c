import test from 'ava';
import { exitCodeFor } from '../../../src/commands/converge.js';
import { EXIT } from '../../../src/commands/exit-codes.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { hostFacts, OS } from '../modules/host-facts.js';
import { commandsRun, play, run, runEngine, taskLines } from './engine-fixtures.js';

const deploy = play([run('write-config', { notify: ['restart-app'] }), run('migrate-db'), run('start-worker')], [run('restart-app')]);

const web = (address: string) => new FakeHost(address, hostFacts());
const failingMigration = (address: string) => web(address).on('migrate-db', { code: 1, stderr: 'psql: starting\nERROR:  relation "users" does not exist\n' });

test('a failed task stops its host (no later task, no handler) and only its host; the connection is closed', async (t) => {
  const web1 = failingMigration('10.0.0.1');
  const web2 = web('10.0.0.2');
  const { result, results } = await runEngine([web1, web2], [deploy]);

  t.is(result('10.0.0.1').status, 'failed');
  t.is(result('10.0.0.1').error, `task 'migrate-db' failed: psql: starting\nERROR:  relation "users" does not exist`);
  t.deepEqual(taskLines(result('10.0.0.1')), ['write-config: changed', 'migrate-db: failed']);
  t.deepEqual(commandsRun(web1), ['write-config', 'migrate-db']);
  t.is(result('10.0.0.1').commands, 4, 'the lock, the facts, write-config with the facts of migrate-db read after it, migrate-db');

  t.is(result('10.0.0.2').status, 'changed');
  t.deepEqual(commandsRun(web2), ['write-config', 'migrate-db', 'start-worker', 'restart-app']);
  t.true(web1.closed && web2.closed);
  t.is(exitCodeFor('apply', results), EXIT.failed);
});

test('a host with an unsupported OS fails after its facts, before any task', async (t) => {
  const old = new FakeHost('10.0.0.1', hostFacts({ os: { ...OS.bullseye, versionId: '10', codename: 'buster', prettyName: 'Debian GNU/Linux 10 (buster)' } }));
  const { result } = await runEngine([old, web('10.0.0.2')], [deploy]);
  t.is(result('10.0.0.1').status, 'failed');
  t.regex(result('10.0.0.1').error!, /^unsupported OS: Debian GNU\/Linux 10 \(buster\)/);
  t.deepEqual(old.taskScripts, []);
  t.is(result('10.0.0.2').status, 'changed');
});

test('an unreachable host is reported unreachable, without commands; the others go on', async (t) => {
  const down = web('10.0.0.1').unreachable('connection refused by root@10.0.0.1:22 (is sshd running on that port?)');
  const up = web('10.0.0.2');
  const { result, results } = await runEngine([down, up], [deploy]);
  t.like(result('10.0.0.1'), { status: 'unreachable', error: 'connection refused by root@10.0.0.1:22 (is sshd running on that port?)', commands: 0, tasks: [] });
  t.is(result('10.0.0.2').status, 'changed');
  t.is(exitCodeFor('apply', results), EXIT.unreachable);
});

test('a connection lost during a task fails the host (it was reached: not unreachable)', async (t) => {
  const host = web('10.0.0.1').on('migrate-db', { connectionLost: 'connection lost: read ECONNRESET' });
  const { result, results } = await runEngine([host], [deploy]);
  t.like(result('10.0.0.1'), { status: 'failed', error: "task 'migrate-db' failed: connection lost: read ECONNRESET" });
  t.deepEqual(taskLines(result('10.0.0.1')), ['write-config: changed', 'migrate-db: failed']);
  t.is(exitCodeFor('apply', results), EXIT.failed);
});

test('--serial: a failed batch stops the rollout; the hosts of later batches are not contacted and are reported as not run', async (t) => {
  const hosts = [failingMigration('10.0.0.1'), web('10.0.0.2'), web('10.0.0.3'), web('10.0.0.4')];
  const { result, results, observed } = await runEngine(hosts, [deploy], { serial: 2 });
  t.is(result('10.0.0.1').status, 'failed');
  t.is(result('10.0.0.2').status, 'changed', 'the failed host’s batch runs to its end');
  for (const name of ['10.0.0.3', '10.0.0.4']) {
    t.deepEqual(result(name), {
      name,
      address: name,
      status: 'failed',
      error: 'not run: the rollout stopped after a batch failed (10.0.0.1)',
      commands: 0,
      tasks: [],
    });
  }
  t.deepEqual(hosts.map((host) => host.connections), [1, 1, 0, 0]);
  t.deepEqual(observed.finished.slice(2), ['10.0.0.3', '10.0.0.4'], 'the hosts not run are reported too, after the batch');
  t.is(exitCodeFor('apply', results), EXIT.failed);
});

test('--serial: an unreachable host fails its batch too', async (t) => {
  const hosts = [web('10.0.0.1').unreachable(), web('10.0.0.2')];
  const { result } = await runEngine(hosts, [deploy], { serial: 1 });
  t.is(result('10.0.0.1').status, 'unreachable');
  t.is(result('10.0.0.2').error, 'not run: the rollout stopped after a batch failed (10.0.0.1)');
  t.is(hosts[1]!.connections, 0);
});

test('--serial: batch after batch, each one started when the one before has finished', async (t) => {
  const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map(web);
  const { results, observed } = await runEngine(hosts, [deploy], { serial: 2 });
  t.true(results.every((r) => r.status === 'changed'));
  // hosts 10.0.0.1-2 are batch 0, 3-4 batch 1, 5 batch 2 (in a batch, the order may vary)
  const batchOf = (event: string) => Math.floor((Number(event.split('.').pop()) - 1) / 2);
  const batches = observed.events.map((event) => `${event.split(' ')[0]} batch ${batchOf(event)}`);
  t.deepEqual(batches, [
    'start batch 0', 'start batch 0', 'finish batch 0', 'finish batch 0',
    'start batch 1', 'start batch 1', 'finish batch 1', 'finish batch 1',
    'start batch 2', 'finish batch 2',
  ]);
});

test('without --serial a failed host stops no other host', async (t) => {
  const hosts = [failingMigration('10.0.0.1'), web('10.0.0.2'), web('10.0.0.3')];
  const { results } = await runEngine(hosts, [deploy], { forks: 1 });
  t.deepEqual(results.map((r) => r.status), ['failed', 'changed', 'changed']);
});

test('exit codes of runs: 0 converged or nothing to do, 2 plan with changes pending, 3 a host failed (even with one unreachable), 4 unreachable', async (t) => {
  const converged = () => new FakeHost('10.0.0.1', hostFacts({ files: new Map([['/', { exists: true, type: 'directory', mode: 0o755, owner: 'root', group: 'root', size: 4096 }]]) }));
  const nothingToDo = play([run('write-config', { creates: '/' })]);
  const code = async (mode: 'apply' | 'plan', hosts: FakeHost[], plays = [deploy]) => exitCodeFor(mode, (await runEngine(hosts, plays, { mode })).results);

  t.is(await code('apply', [web('10.0.0.1')]), EXIT.ok);
  t.is(await code('plan', [web('10.0.0.1')]), EXIT.pending);
  t.is(await code('plan', [converged()], [nothingToDo]), EXIT.ok);
  t.is(await code('apply', [failingMigration('10.0.0.1')]), EXIT.failed);
  t.is(await code('apply', [failingMigration('10.0.0.1'), web('10.0.0.2').unreachable()]), EXIT.failed);
  t.is(await code('plan', [web('10.0.0.1'), web('10.0.0.2').unreachable()]), EXIT.unreachable);
});
