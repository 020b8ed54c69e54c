import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../../src/core/errors.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { registerVarsSchema, type VarsSchema } from '../../../src/playbook/vars-schemas.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';
import { lines, tempTree } from '../input/temp-files.js';

// A schema of the test's own: the compiler applies whatever is registered under the play's name.
const greeting: VarsSchema = (vars, host) => {
  if (typeof vars.who !== 'string') throw new InputError(`host '${host.name}': 'who' is required`, host.location);
  return { ...vars, greeting_file: `/srv/hello-${vars.who}` };
};
registerVarsSchema('greeting', greeting);

function playbookWith(schema: string): string {
  return tempTree({
    'playbook.yml': lines(
      '- hosts: all',
      `  vars_schema: ${schema}`,
      '  tasks:',
      '    - name: "greet {{ who }}"',
      '      file: {path: "{{ greeting_file }}", state: touch}',
    ),
  });
}

test('a play runs on the variables its registered vars schema returns, derived ones included', (t) => {
  const dir = playbookWith('greeting');
  const playbook = loadPlaybook(join(dir, 'playbook.yml'));
  const play = compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars: { who: 'world' }, inventoryDir: dir });
  const task = play.tasks[0]!;
  t.is(task.name, 'greet world');
  t.like(task.kind === 'module' ? task.args : undefined, { path: '/srv/hello-world' });
  const missing = inputErrorsThrownBy(() => compilePlay(playbook, playbook.plays[0]!, { name: 'web2', vars: {}, inventoryDir: dir }));
  t.deepEqual(missing.map((e) => e.message), ["host 'web2': 'who' is required"]);
});

test('vars_schema names a registered schema; registering another schema under a taken name is a mistake', (t) => {
  const dir = playbookWith('greting');
  const errors = inputErrorsThrownBy(() => loadPlaybook(join(dir, 'playbook.yml')));
  t.is(errors.length, 1);
  t.regex(errors[0]!.message, /^vars_schema must be one of: .*\bgreeting\b/);
  t.notThrows(() => registerVarsSchema('greeting', greeting));
  t.throws(() => registerVarsSchema('greeting', (vars) => vars), { message: /already registered/ });
});
