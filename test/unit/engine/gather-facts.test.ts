import test from 'ava';
import { gatherFacts, mayRun } from '../../../src/engine/gather-facts.js';
import { FactsError } from '../../../src/facts/parse.js';
import type { RemoteHost } from '../../../src/transport/remote-host.js';
import type { CompiledTask } from '../../../src/playbook/types.js';
import { modules } from '../../../src/modules/registry.js';

function task(when: unknown, scope: Record<string, unknown> = { webserver: 'nginx' }): CompiledTask {
  return { name: 't', kind: 'module', module: modules.apt!, args: { name: ['apache2'] }, when, scope, notify: [], tags: [] };
}

test('a task whose condition is false without looking at the host is left out of the facts', (t) => {
  t.false(mayRun(task("webserver == 'apache-wsgi'")));
  t.false(mayRun(task([true, "webserver != 'nginx'"])));
  t.false(mayRun(task(false)));
  // short-circuits before it would need the facts
  t.false(mayRun(task("webserver == 'apache-uwsgi' && ['bullseye', 'jammy'].includes(facts.os.codename)")));
});

test('a task that may run, or whose condition depends on the facts, keeps its facts', (t) => {
  t.true(mayRun(task(undefined)));
  t.true(mayRun(task("webserver == 'nginx'")));
  t.true(mayRun(task("facts.os.codename == 'bookworm'")));
  t.true(mayRun(task("'os' in facts")));
  t.true(mayRun(task('Object.keys(facts).length > 0')));
  t.true(mayRun(task("webserver == 'nginx' && facts.init != 'systemd'")));
  // an error in the condition is reported when the task runs, not hidden here
  t.true(mayRun(task('no_such_variable == 1')));
});

test('the facts are read with one command and checked complete: a requested fact missing from the output fails', async (t) => {
  const scripts: string[] = [];
  const remote = (stdout: string): RemoteHost => ({
    commands: 0,
    async run(script) {
      scripts.push(script);
      return { code: 0, stdout, stderr: '' };
    },
    lock: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  });
  const tasks = [task(undefined), task(undefined), task("webserver == 'apache-wsgi'")];
  const complete = ['@@clamprovision-facts 1', `@@packages ${Buffer.from('apache2').toString('base64')} b: -`, '@@end', ''].join('\n');
  const facts = await gatherFacts(remote(complete), tasks);
  t.deepEqual(facts.packages.get('apache2'), { installed: false, candidate: null });
  t.is(scripts.length, 1);
  t.is(scripts[0]!.split('@@packages').length, 2, 'the same package asked by two tasks is asked once');
  await t.throwsAsync(gatherFacts(remote('@@clamprovision-facts 1\n@@end\n'), tasks), { instanceOf: FactsError, message: 'the facts output lacks: package apache2' });
});
