import test from 'ava';
import { splitHostPort } from '../../../src/inventory/host-pattern.js';

test('host:port and [address]:port carry a port, as in Ansible', (t) => {
  t.deepEqual(splitHostPort('web1:2222'), { name: 'web1', port: 2222 });
  t.deepEqual(splitHostPort('192.0.2.1:22'), { name: '192.0.2.1', port: 22 });
  t.deepEqual(splitHostPort('[2001:db8::1]:2222'), { name: '2001:db8::1', port: 2222 });
  t.deepEqual(splitHostPort('www[01:03].example.com:5309'), { name: 'www[01:03].example.com', port: 5309 });
});

test('a bare IPv6 address, a range and a name that is no host name have no port', (t) => {
  t.deepEqual(splitHostPort('2001:db8::1'), { name: '2001:db8::1' });
  t.deepEqual(splitHostPort('web[1:3]'), { name: 'web[1:3]' });
  t.deepEqual(splitHostPort('web1'), { name: 'web1' });
  t.deepEqual(splitHostPort('my host!:22'), { name: 'my host!:22' });
});
