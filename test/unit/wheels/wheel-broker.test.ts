import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WheelBroker } from '../../../src/wheels/wheel-broker.js';
import { WheelCache } from '../../../src/wheels/wheel-cache.js';
import { UWSGI_SHA } from './fixtures.js';

const key = { platform: 'debian-12-x86_64-cpython3.11', sha256: UWSGI_SHA };
const WHEEL = 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl';
const broker = () => new WheelBroker(new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-'))));

test('the first host claims the build; the others see who builds it, then the cached wheel', async (t) => {
  const b = broker();
  t.deepEqual(b.state(key), { kind: 'absent' });
  b.claim(key, 'web1');
  t.deepEqual(b.state(key), { kind: 'building', builder: 'web1' });
  const waited = b.waitFor(key);
  b.cache.store(key, 'uwsgi', WHEEL, Buffer.from('w'));
  b.settle(key, true);
  t.true(await waited);
  t.deepEqual(b.state(key), { kind: 'cached' });
});

test('a failed build releases the claim: a waiting host may build it', async (t) => {
  const b = broker();
  b.claim(key, 'web1');
  const waited = b.waitFor(key);
  b.settle(key, false);
  t.false(await waited);
  t.deepEqual(b.state(key), { kind: 'absent' });
  b.claim(key, 'web2');
  t.deepEqual(b.state(key), { kind: 'building', builder: 'web2' });
});

test('a wheel another run put in the cache is cached for this one', async (t) => {
  const b = broker();
  new WheelCache(b.cache.dir).store(key, 'uwsgi', WHEEL, Buffer.from('w'));
  t.deepEqual(b.state(key), { kind: 'cached' });
  t.true(await b.waitFor(key));
});
