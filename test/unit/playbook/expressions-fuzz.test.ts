/**
 * Issue 14, defect 5, as a property: expressions made of random pieces of JavaScript (the dangerous
 * ones included) never throw anything but an ExpressionError, never take long, and never reach
 * the controller (a global they would have to set stays unset).
 */
import test from 'ava';
import fc from 'fast-check';
import { ExpressionError, renderString } from '../../../src/playbook/expressions.js';

const scope = { services: [{ name: 'a', env: { K: 'v' } }], item: { name: 'a' }, http_port: 80, tls: null, text: 'x'.repeat(1000) };

const pieces = fc.constantFrom(
  'services', 'item', 'http_port', 'tls', 'text', 'this', 'globalThis', 'process', 'JSON', 'Math', 'Object', 'Array', 'String', 'Number',
  '.', '?.', '[', ']', '(', ')', '{', '}', ',', '...', '=>', '(x) =>', 'x', '?', ':', '+', '*', '==', '&&', '||', '??', '!', 'typeof ',
  '.constructor', "['constructor']", "['__proto__']", '.prototype', '.map', '.filter', '.flatMap', '.concat', '.join', '.repeat', '.split',
  '.padStart', '.reduce', '.toSorted', 'stringify', 'fromEntries', '(1e9)', '(100000)', "('')", '(x => [x, x, x, x])', '(x => x(x))',
  "'return globalThis.pwned = 1'", '`', '${', '1', '0', '-1', 'null', 'undefined', 'new ', '=', 'delete ', ';', 'function', '/a/', '\n',
);

test('random expressions: an ExpressionError at worst, quickly, and nothing reached outside', (t) => {
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 25 }), (parts) => {
      const expression = parts.join('');
      const started = Date.now();
      try {
        renderString(`{{ ${expression} }}`, scope);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw new Error(`${expression}: threw ${String(error)}`);
      }
      if (Date.now() - started > 3000) throw new Error(`${expression}: took ${Date.now() - started} ms`);
      if ((globalThis as { pwned?: unknown }).pwned !== undefined) throw new Error(`${expression}: set a global`);
    }),
    { numRuns: 2000 },
  );
  t.deepEqual(scope.services, [{ name: 'a', env: { K: 'v' } }], 'the variables are unchanged');
});
