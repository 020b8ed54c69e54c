/**
 * Issue 14, defect 5: `{{ }}` expressions reach nothing but the host's variables. Each attack is
 * refused with an ExpressionError (an input error at the task), quickly, and what the built-in
 * playbook writes keeps working.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateCondition, ExpressionError, renderString } from '../../../src/playbook/expressions.js';
import { Evaluation } from '../../../src/playbook/sandbox/evaluate.js';
import { LIMITS } from '../../../src/playbook/sandbox/limits.js';
import { parseSandboxed } from '../../../src/playbook/sandbox/parse.js';
import { testTempDir } from '../../helpers/temp-dir.js';

const scope = {
  webserver: 'nginx',
  tls: null,
  http_port: 80,
  services: [
    { name: 'a', unit: 'clam-a', source: './a', args: { urls: ['http://x/'] } },
    { name: 'b', unit: 'clam-b', source: null, args: {} },
  ],
  item: { name: 'a', args: { urls: ['http://x/'] } },
};

function refused(t: import('ava').ExecutionContext, expression: string, message?: RegExp): void {
  const started = Date.now();
  const error = t.throws(() => renderString(`{{ ${expression} }}`, scope), { instanceOf: ExpressionError }, expression);
  if (message && error) t.regex(error.message, message, expression);
  t.true(Date.now() - started < 5000, `${expression} took ${Date.now() - started} ms`);
}

test('no way to globals, prototypes or constructors', (t) => {
  refused(t, 'this', /'this' is not allowed/);
  refused(t, "JSON.constructor.constructor('return process')()", /'constructor' is not available/);
  refused(t, "({}).constructor.constructor('return process')()", /'constructor' is not available/);
  refused(t, "[]['constr' + 'uctor']['constr' + 'uctor']('return process')()", /'constructor' is not available/);
  refused(t, "services['__pro' + 'to__']", /'__proto__' is not available/);
  refused(t, '({}).__proto__', /'__proto__' is not available/);
  refused(t, "({['__pro' + 'to__']: 1})", /'__proto__' is not available/);
  refused(t, 'String.prototype', /'prototype' is not available/);
  refused(t, 'globalThis', /'globalThis' is not defined/);
  refused(t, 'process', /'process' is not defined/);
  refused(t, 'Function', /'Function' is not defined/);
  refused(t, 'Object.getPrototypeOf(services)', /not a function an expression may call/);
  refused(t, "Object.assign(item, {name: 'x'})", /not a function an expression may call/);
  refused(t, 'services.map', /'map' is a method: call it/);
  refused(t, 'services.push(1)', /not a function an expression may call/);
  refused(t, "item.name.toString.call('x')", /not a function|is a method/);
  refused(t, 'services.map(String.call)', /needs a function|not available|is a method/);
  refused(t, "new String('x')", /'new' is not allowed/);
  refused(t, "item.name = 'x'", /assignment is not allowed/);
  refused(t, 'delete item.name', /'delete' is not allowed/);
  refused(t, '(function () { return this })()', /'function' is not allowed/);
  refused(t, "import('node:fs')", /'import' is not allowed/);
  refused(t, "'x'.replace(/x/, 'y')", /regular expressions are not allowed/);
  refused(t, 'item.name); process.exit(1); (1', /unexpected/);
  t.is(scope.item.name, 'a', 'nothing changed the variables');
});

test('no unbounded work: steps, time, string and list sizes', (t) => {
  refused(t, 'while (true) {}', /invalid expression/);
  refused(t, '((f) => f(f))((f) => f(f))', /Maximum call stack|steps/);
  // 10^10 callbacks: stopped by the steps bound, or on a machine too busy to make 10^6 steps in 2 s by the time bound
  refused(t, NESTED_MAPS, /more than 1000000 steps|longer than 2000 ms/);
  refused(t, "'x'.repeat(1e9)", /string longer than/);
  refused(t, "'x'.padStart(1e9)", /string longer than/);
  refused(t, "[...'x'.repeat(1e6)]", /list longer than/);
  refused(t, "'x'.repeat(1e6).split('')", /list longer than/);
  refused(t, "((a) => [a, a, a, a, a, a, a, a, a, a].flat())([...'x'.repeat(99999)])", /list longer than/);
  refused(t, "((a) => a.flatMap(() => a))([...'x'.repeat(1000)])", /list longer than/);
  refused(t, "((a) => JSON.stringify([a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a]))('x'.repeat(100000))", /larger than/);
  refused(t, "((s) => s + s + s + s + s + s + s + s + s + s + s)('x'.repeat(100000))", /string longer than/);
  refused(t, "'x'.repeat(1000).replaceAll('x', 'y'.repeat(10000))", /string longer than/);
  refused(t, "((a) => a.join('y'.repeat(1000)))([...'x'.repeat(10000)])", /string longer than/);
  refused(t, "((a) => [a, a, a, a, a, a, a, a, a, a, a, a] + '')(['x'.repeat(100000)])", /larger than/);
  refused(t, '(() => 1)', /a function is not a value/);
});

const NESTED_MAPS = "[...'x'.repeat(100000)].map((a) => [...'x'.repeat(100000)].map((b) => 1))";

test('each bound stops the work by itself: the steps bound with all the time in the world, the time bound with unlimited steps', (t) => {
  const tree = parseSandboxed(NESTED_MAPS);
  t.throws(() => new Evaluation(scope, { steps: LIMITS.steps, milliseconds: 600_000 }).run(tree), { message: `more than ${LIMITS.steps} steps` });
  const started = Date.now();
  t.throws(() => new Evaluation(scope, { steps: Number.POSITIVE_INFINITY, milliseconds: 100 }).run(tree), { message: 'longer than 100 ms' });
  t.true(Date.now() - started < 60_000);
});

test('what the built-in playbook writes keeps working', (t) => {
  t.is(renderString("{{ services.map((service) => service.unit).join(' ') }}", scope), 'clam-a clam-b');
  t.deepEqual(renderString('{{ services.filter((service) => service.source) }}', scope), [scope.services[0]]);
  t.deepEqual(renderString("{{ [http_port + '/tcp'].concat(tls ? ['443/tcp'] : [], ['8000:8010/udp']).map((rule) => ({rule: 'allow', port: rule.split('/')[0], proto: rule.split('/')[1] || 'any'})) }}", scope), [
    { rule: 'allow', port: '80', proto: 'tcp' },
    { rule: 'allow', port: '8000:8010', proto: 'udp' },
  ]);
  t.deepEqual(renderString("{{ ({...item.args, [webserver == 'apache-wsgi' ? 'wsgi_process_groups' : 'units']: [services.find((service) => service.name == item.name).unit]}) }}", scope), {
    urls: ['http://x/'],
    units: ['clam-a'],
  });
  t.is(renderString('{{ `${item.name}:${http_port}` }}', scope), 'a:80');
  t.is(renderString('{{ item.missing?.deeper ?? String(http_port) }}', scope), '80');
  t.is(renderString('{{ Math.max(...services.map((s, i) => i)) }}', scope), 1);
  t.deepEqual(renderString('{{ Object.keys(item.args) }}', scope), ['urls']);
  t.is(renderString('{{ JSON.stringify({a: [1]}) }}', scope), '{"a":[1]}');
  t.true(evaluateCondition("webserver == 'nginx' && ['nginx', 'apache'].includes(webserver)", scope));
  t.is(renderString('{{ services.length > 1 ? item.name.toUpperCase() : "" }}', scope), 'A');
});

test('validate --playbook cannot run a command on the controller', (t) => {
  const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));
  const dir = testTempDir('sandbox');
  const marker = path.join(dir, 'owned');
  writeFileSync(path.join(dir, 'inventory.yml'), 'all:\n  hosts:\n    web1: {ansible_host: 192.0.2.1}\n');
  const payload = `JSON.constructor.constructor("return process")().getBuiltinModule("fs").writeFileSync(${JSON.stringify(marker)}, "x")`;
  writeFileSync(path.join(dir, 'evil.yml'), `- hosts: all\n  tasks:\n    - name: evil\n      command: {cmd: '{{ ${payload} }}'}\n`);
  const result = spawnSync(process.execPath, [cli, 'validate', 'inventory.yml', '--playbook', 'evil.yml'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  t.is(result.status, 1, result.stderr);
  t.regex(result.stderr, /^error: .*evil\.yml:4:\d+: .*'constructor' is not available/m);
  t.notRegex(result.stderr, /^\s+at /m);
  t.false(existsSync(marker), 'the expression ran code on the controller');
});
