import test from 'ava';
import { evaluateCondition, renderString, renderValue } from '../../../src/playbook/expressions.js';

const scope = { webserver: 'nginx', http_port: 80, services: [{ name: 'hello', source: null }], item: { name: 'hello', source: null } };

test('a string that is exactly one expression keeps its type', (t) => {
  t.deepEqual(renderString('{{ services }}', scope), scope.services);
  t.is(renderString('{{ http_port + 1 }}', scope), 81);
});

test('expressions inside text are interpolated', (t) => {
  t.is(renderString('restart clam-{{ item.name }}', scope), 'restart clam-hello');
  t.is(renderString('{{ webserver }}:{{ http_port }}', scope), 'nginx:80');
});

test('text around one expression is kept, as Ansible keeps it: a final newline, spaces', (t) => {
  t.is(renderString('{{ webserver }}\n', scope), 'nginx\n');
  t.is(renderString(' {{ http_port }} ', scope), ' 80 ');
  t.true(evaluateCondition("  {{ webserver == 'nginx' }}\n", scope), 'a condition may still be wrapped in {{ }} with spaces');
});

test('an undefined variable is an error naming it, not an empty string', (t) => {
  t.throws(() => renderString('x{{ webservr }}', scope), { message: /'webservr' is not defined/ });
  t.throws(() => evaluateCondition('process.exit(1)', scope), { message: /'process' is not defined/ });
});

test('when conditions: bare expressions, lists (all must hold), booleans', (t) => {
  t.true(evaluateCondition("webserver == 'nginx'", scope));
  t.false(evaluateCondition('item.source', scope));
  t.false(evaluateCondition(["webserver == 'nginx'", 'http_port == 443'], scope));
  t.true(evaluateCondition(undefined, scope));
  t.false(evaluateCondition(false, scope));
});

test('renderValue copies nested structures and renders every string in them', (t) => {
  const raw = { dest: '/opt/clam/{{ item.name }}/src', list: ['{{ http_port }}', 'plain'] };
  t.deepEqual(renderValue(raw, scope), { dest: '/opt/clam/hello/src', list: [80, 'plain'] });
  t.is(raw.dest, '/opt/clam/{{ item.name }}/src');
});

test('a syntax error in an expression says which expression', (t) => {
  t.throws(() => renderString('{{ webserver == }}', scope), { message: /invalid expression "webserver =="/ });
});
