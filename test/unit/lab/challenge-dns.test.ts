import test from 'ava';
import { promises as dns } from 'node:dns';
import { startChallengeDns } from '../../lab/challenge-dns.js';

const log = () => {};

test("the lab's challenge DNS answers a lab host's name with its address, and no other name", async (t) => {
  const addresses = new Map([['acme1', '10.231.4.111']]);
  const socket = await startChallengeDns('127.0.0.1', 0, () => addresses, log);
  t.teardown(() => socket.close());
  const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${socket.address().port}`]);

  t.deepEqual(await resolver.resolve4('acme1'), ['10.231.4.111']);
  t.deepEqual(await resolver.resolve4('ACME1.'), ['10.231.4.111'], 'names are case-insensitive, a trailing dot is the root');
  // pebble asks AAAA first and would take an IPv6 answer: a lab host has none
  await t.throwsAsync(resolver.resolve6('acme1'), { code: 'ENODATA' });
  await t.throwsAsync(resolver.resolve4('acme2'), { code: 'ENOTFOUND' });
  await t.throwsAsync(resolver.resolve4('acme1.example.org'), { code: 'ENOTFOUND' });

  addresses.set('acme2', '10.231.4.112');
  t.deepEqual(await resolver.resolve4('acme2'), ['10.231.4.112'], 'a host that came up since is known at once');
});
