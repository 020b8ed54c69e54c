import test from 'ava';
import { parsePythonLiteral } from '../../../src/inventory/python-literal.js';

// Each expectation as ansible-inventory (ast.literal_eval) reads the value after `k=` in an INI file.
const literals: Array<[string, unknown]> = [
  ['1', 1],
  ['-1', -1],
  ['1.5', 1.5],
  ['0x10', 16],
  ['0o17', 15],
  ['1_000', 1000],
  ['True', true],
  ['False', false],
  ['None', null],
  ["'quoted'", 'quoted'],
  ['"a\\tb"', 'a\tb'],
  ["r'a\\tb'", 'a\\tb'],
  ["'a' 'b'", 'ab'],
  ['[1, 2]', [1, 2]],
  ['1,2', [1, 2]],
  ['(1)', 1],
  ['(1,)', [1]],
  ["{'a': 1, 'b': [True]}", { a: 1, b: [true] }],
];
const texts = ['yes', 'root', '010', '/usr/bin/python3', '192.0.2.1', 'foo-bar', 'a b', '', "f'x'", '[1, 2', 'x.y', '1.2.3'];

for (const [text, value] of literals) {
  test(`the Python literal ${text} is read as ${JSON.stringify(value)}`, (t) => {
    t.deepEqual(parsePythonLiteral(text), { value });
  });
}

test('text that is no Python literal stays text', (t) => {
  for (const text of texts) t.is(parsePythonLiteral(text), undefined, text);
});

test('literals this reader does not take are refused, not read as something else', (t) => {
  t.throws(() => parsePythonLiteral('1j'), { message: /complex/ });
  t.throws(() => parsePythonLiteral("b'x'"), { message: /bytes/ });
  t.throws(() => parsePythonLiteral('{1, 2}'), { message: /set/ });
  t.throws(() => parsePythonLiteral('12345678901234567890'), { message: /too large/ });
  t.throws(() => parsePythonLiteral("{'__proto__': 1}"), { message: /__proto__/ });
});
