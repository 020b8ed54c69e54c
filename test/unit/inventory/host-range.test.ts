/** Issue 14, defect 16: host ranges are counted before they are expanded; too many hosts is an error. */
import test from 'ava';
import { expandHostRange, MAX_HOSTS } from '../../../src/inventory/host-range.js';

test('ranges expand as in Ansible', (t) => {
  t.deepEqual(expandHostRange('web[01:03]'), ['web01', 'web02', 'web03']);
  t.deepEqual(expandHostRange('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
  t.deepEqual(expandHostRange('n[0:20:10]x[1:2]'), ['n0x1', 'n0x2', 'n10x1', 'n10x2', 'n20x1', 'n20x2']);
  t.is(expandHostRange(`h[1:${MAX_HOSTS}]`).length, MAX_HOSTS);
});

test('a range or a product of ranges over the limit is refused at once, unexpanded', (t) => {
  const started = Date.now();
  t.throws(() => expandHostRange('h[0:20000000]'), { message: `host pattern 'h[0:20000000]' names 20000001 hosts: at most ${MAX_HOSTS} are allowed` });
  t.throws(() => expandHostRange('h[0:999]-[0:999]'), { message: /names 1000000 hosts/ });
  t.throws(() => expandHostRange('h[0:99999999999999999999]'), { message: /ends past/ });
  t.throws(() => expandHostRange('[0:9999][0:9999][0:9999][0:9999][0:9999]'), { message: /names more than 10\^15 hosts/ });
  t.true(Date.now() - started < 1000);
});
