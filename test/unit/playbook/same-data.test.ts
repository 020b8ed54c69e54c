import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import { sameData } from '../../../src/playbook/same-data.js';

test('sameData: equal plain data is the same, whatever the objects', (t) => {
  const args = () => ({ name: ['nginx'], site: { server_name: 'web1', ports: [80, 443] }, n: NaN, none: null, absent: undefined });
  t.true(sameData(args(), args()));
  t.true(sameData(Object.assign(Object.create(null), { a: 1 }), Object.assign(Object.create(null), { a: 1 })));
});

test('sameData: never the same where isDeepStrictEqual tells them apart', (t) => {
  const pairs: Array<[unknown, unknown]> = [
    [{ server_name: 'web1' }, { server_name: 'web2' }],
    [{ a: 1 }, { a: 1, b: undefined }],
    [{ a: undefined }, { b: undefined }],
    [[1, 2], [1, 2, 3]],
    [[undefined], new Array(1)],
    [0, -0],
    [1, '1'],
    [[], {}],
    [{ a: [1] }, { a: { 0: 1 } }],
    [Object.create(null), {}],
    [Buffer.from('a'), Buffer.from('b')],
    [{ [Symbol('s')]: 1 }, {}],
  ];
  pairs.forEach(([a, b], index) => {
    t.false(isDeepStrictEqual(a, b));
    t.false(sameData(a, b), `pair ${index}`);
    t.false(sameData(b, a));
  });
});

test('sameData: stricter than isDeepStrictEqual where that is cheaper (a miss, never a wrong hit)', (t) => {
  t.false(sameData({ a: 1, b: 2 }, { b: 2, a: 1 }), 'key order');
  t.false(sameData(new Date(0), new Date(0)), 'not plain data: only the very same object');
  const date = new Date(0);
  t.true(sameData(date, date));
});
