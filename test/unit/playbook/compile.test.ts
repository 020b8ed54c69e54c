import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputErrorsIn } from '../../../src/core/errors.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { CompiledTask } from '../../../src/playbook/types.js';
import { lines, tempTree } from '../input/temp-files.js';

function messages(error: unknown): string[] {
  const found = inputErrorsIn(error);
  if (!found) throw error;
  return found.map((e) => e.format());
}

function compileFirstPlay(dir: string, vars: Record<string, unknown> = {}) {
  const playbook = loadPlaybook(join(dir, 'playbook.yml'));
  return compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars, inventoryDir: dir });
}

function argsOf(task: CompiledTask): unknown {
  if (task.kind !== 'module') throw new Error(`'${task.name}' is not a module task`);
  return task.args;
}

test('loops, names and notify are rendered per item; handlers expand per item', (t) => {
  const dir = tempTree({
    'playbook.yml': lines(
      '- hosts: all',
      '  tasks:',
      '    - name: "dir {{ item }}"',
      '      file: {path: "/srv/{{ item }}", state: directory}',
      '      loop: "{{ apps }}"',
      '      notify: "restart {{ item }}"',
      '  handlers:',
      '    - name: "restart {{ item }}"',
      '      loop: "{{ apps }}"',
      '      service: {name: "{{ item }}", state: restarted}',
    ),
  });
  const play = compileFirstPlay(dir, { apps: ['a', 'b'] });
  t.deepEqual(play.tasks.map((task) => task.name), ['dir a', 'dir b']);
  t.deepEqual(play.tasks.map((task) => (argsOf(task) as { path: string }).path), ['/srv/a', '/srv/b']);
  t.deepEqual(play.tasks.map((task) => task.notify), [['restart a'], ['restart b']]);
  t.deepEqual([...play.handlers.keys()], ['restart a', 'restart b']);
});

test('a misspelt module is reported at its key with a suggestion', (t) => {
  const dir = tempTree({ 'playbook.yml': lines('- hosts: all', '  tasks:', '    - name: x', '      templte: {src: a, dest: /b}') });
  const error = t.throws(() => loadPlaybook(join(dir, 'playbook.yml')));
  t.deepEqual(messages(error), [`${join(dir, 'playbook.yml')}:4:7: unknown module or task keyword 'templte' (did you mean 'template'?)`]);
});

test('a wrong argument type points at the argument', (t) => {
  const dir = tempTree({
    'playbook.yml': lines('- hosts: all', '  tasks:', '    - name: x', '      apt:', '        name: [nginx]', '        update_cache: sometimes'),
  });
  const [message] = messages(t.throws(() => compileFirstPlay(dir)));
  t.regex(message!, new RegExp(`^${join(dir, 'playbook.yml')}:6:23: apt: update_cache: `));
});

test('an undefined variable in a value or a template is an error at the task, not an empty string', (t) => {
  const dir = tempTree({
    'playbook.yml': lines(
      '- hosts: all',
      '  tasks:',
      '    - name: config',
      '      template: {src: site.conf.ejs, dest: "/etc/{{ sitename }}.conf"}',
      '    - name: other',
      '      template: {src: site.conf.ejs, dest: /etc/site.conf}',
    ),
    'templates/site.conf.ejs': 'listen <%- http_port %>;\nserver_name <%- server_nam %>;\n',
  });
  const found = messages(t.throws(() => compileFirstPlay(dir, { http_port: 80, server_name: 'x' })));
  t.is(found.length, 2);
  t.regex(found[0]!, /playbook\.yml:4:44: 'sitename' is not defined/);
  t.regex(found[1]!, /playbook\.yml:6:17: template: .*site\.conf\.ejs:2\n.*server_nam is not defined/s);
});

test('notify naming no handler is an error at the task', (t) => {
  const dir = tempTree({
    'playbook.yml': lines('- hosts: all', '  tasks:', '    - name: x', '      command: {cmd: "true"}', '      notify: reload nginx'),
  });
  t.deepEqual(messages(t.throws(() => compileFirstPlay(dir))), [`${join(dir, 'playbook.yml')}:3:7: notify: no handler named 'reload nginx' in this play`]);
});

test('--tags keeps tagged tasks, `always` tasks and meta tasks', (t) => {
  const dir = tempTree({
    'playbook.yml': lines(
      '- hosts: all',
      '  tasks:',
      '    - {name: a, command: {cmd: "true"}, tags: [web]}',
      '    - {name: b, command: {cmd: "true"}, tags: [db]}',
      '    - {name: c, command: {cmd: "true"}, tags: always}',
      '    - meta: flush_handlers',
    ),
  });
  const playbook = loadPlaybook(join(dir, 'playbook.yml'));
  const play = compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars: {}, inventoryDir: dir }, { tags: ['web'] });
  t.deepEqual(play.tasks.map((task) => task.name), ['a', 'c', 'meta']);
});

test('play defaults lose to the inventory; play vars win over it', (t) => {
  const dir = tempTree({
    'playbook.yml': lines(
      '- hosts: all',
      '  defaults: {port: 80, user: www}',
      '  vars: {user: app}',
      '  tasks:',
      '    - {name: "{{ user }}:{{ port }}", command: {cmd: "true"}}',
    ),
  });
  t.is(compileFirstPlay(dir, { port: 8080, user: 'inventory' }).tasks[0]!.name, 'app:8080');
});

test('a task whose when is false without facts is not rendered; one reading facts is; a typo in when is an input error', (t) => {
  const dir = tempTree({
    'playbook.yml': lines(
      '- hosts: all',
      '  tasks:',
      '    - name: upload',
      '      copy: {src: "{{ source }}/missing", dest: /srv/app}',
      '      when: source != null',
      "    - name: debian only",
      '      file: {path: "/srv/{{ name }}", state: directory}',
      "      when: facts.os.id == 'debian'",
      '    - name: typo',
      '      file: {path: /srv, state: directory}',
      '      when: webservr == "nginx"',
    ),
  });
  const found = messages(t.throws(() => compileFirstPlay(dir, { source: null, name: 'x' })));
  t.deepEqual(found, [`${join(dir, 'playbook.yml')}:11:13: 'webservr' is not defined`]);

  const fixed = tempTree({ 'playbook.yml': lines(...readLines(dir).slice(0, 8)) });
  const play = compileFirstPlay(fixed, { source: null, name: 'x' });
  t.is(play.tasks[0]!.when, false);
  t.is(argsOf(play.tasks[0]!), undefined);
  t.deepEqual(argsOf(play.tasks[1]!), { path: '/srv/x', state: 'directory' });
});

function readLines(dir: string): string[] {
  return readFileSync(join(dir, 'playbook.yml'), 'utf8').split('\n');
}
