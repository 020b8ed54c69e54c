import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTHER_RUN, WheelBroker } from '../../../src/wheels/wheel-broker.js';
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

test('a build another process holds the lock of is "building" by another run; waiting ends when it stores the wheel', async (t) => {
  const b = new WheelBroker(new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-'))), 50);
  // a separate node process: takes the key's lock as a run's build does, stores the wheel after 1 s, lets go
  const holder = spawn(
    process.execPath,
    [
      '--import=tsx',
      '-e',
      `import { WheelCache } from ${JSON.stringify(new URL('../../../src/wheels/wheel-cache.ts', import.meta.url).href)};
       const cache = new WheelCache(${JSON.stringify(b.cache.dir)});
       const key = ${JSON.stringify(key)};
       const release = await cache.tryLockBuild(key);
       console.log(release ? 'locked' : 'not locked');
       await new Promise((r) => setTimeout(r, 1000));
       cache.store(key, 'uwsgi', ${JSON.stringify(WHEEL)}, Buffer.from('from the other run'));
       await release();`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // listened for at once: the holder may be gone before the wait below ends (it polls every 50 ms)
  const exited = once(holder, 'exit');
  const [line] = (await once(holder.stdout!, 'data')) as [Buffer];
  t.is(line.toString().trim(), 'locked');
  t.deepEqual(b.state(key), { kind: 'building', builder: OTHER_RUN });
  t.is(await b.cache.tryLockBuild(key), undefined, 'this process cannot take the lock meanwhile');
  t.true(await b.waitFor(key));
  t.is(b.cache.read(b.cache.find(key)!).toString(), 'from the other run');
  await exited;
  t.deepEqual(b.state(key), { kind: 'cached' });
});
