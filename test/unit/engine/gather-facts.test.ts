import test from 'ava';
import { mayRun } from '../../../src/facts/gather.js';
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
