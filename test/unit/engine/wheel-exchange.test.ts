import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bringWheels, claimWheelBuilds } from '../../../src/engine/wheel-exchange.js';
import type { RemoteHost, RunResult } from '../../../src/transport/remote-host.js';
import { UPLOADS_AT_ONCE, WheelBroker } from '../../../src/wheels/wheel-broker.js';
import { WheelCache } from '../../../src/wheels/wheel-cache.js';
import type { WheelNeed, WheelWork } from '../../../src/wheels/wheel-plan.js';
import { UWSGI_SHA } from '../wheels/fixtures.js';

const WHEEL = 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl';
const key = { platform: 'debian-12-x86_64-cpython3.11', sha256: UWSGI_SHA };
const pip = { virtualenv: '/opt/clam/x/venv', virtualenv_command: 'python3 -m venv', index_url: 'http://user:s3cret@10.0.0.1/simple/' };
const work = (via: WheelNeed['via'], builder = 'web1'): WheelWork => ({
  needs: [{ name: 'uwsgi', version: '2.0.21', key, ...(via === 'wait' ? { via, builder } : { via }) } as WheelNeed],
  pip,
});

/** A host that builds (after `buildMs`, or fails to) and takes uploads; it records what it ran. */
function host(options: { buildFails?: boolean; buildMs?: number } = {}) {
  const ran: string[] = [];
  const remote: RemoteHost = {
    commands: 0,
    async run(script: string): Promise<RunResult> {
      const kind = script.includes('pip wheel') ? 'build' : script.includes('.upload') ? 'upload' : 'other';
      ran.push(kind);
      if (kind !== 'build') return { code: 0, stdout: '', stderr: '' };
      await new Promise((resolve) => setTimeout(resolve, options.buildMs ?? 10));
      if (options.buildFails) return { code: 1, stdout: '', stderr: 'error: command gcc failed\n' };
      const line = `CLAMPROVISION-WHEEL ${Buffer.from(WHEEL).toString('base64')} ${Buffer.from('the wheel').toString('base64')}`;
      return { code: 0, stdout: `${line}\n`, stderr: '' };
    },
    lock: () => Promise.reject(new Error('not here')),
    close: async () => undefined,
  };
  return { remote, ran };
}

const broker = () => new WheelBroker(new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-'))));

test('one host builds and caches; the other waits for it and gets the wheel uploaded, never building', async (t) => {
  const b = broker();
  const web1 = host({ buildMs: 50 });
  const web2 = host();
  claimWheelBuilds(work('build'), b, 'web1');
  const steps: string[] = [];
  await Promise.all([
    bringWheels(work('build'), { remote: web1.remote, broker: b, host: 'web1', step: () => undefined }),
    bringWheels(work('wait'), { remote: web2.remote, broker: b, host: 'web2', step: (text) => steps.push(text) }),
  ]);
  t.deepEqual(web1.ran, ['build']);
  t.deepEqual(web2.ran, ['upload']);
  t.deepEqual(steps, [
    'waiting for web1 to build the wheel of uwsgi==2.0.21',
    `uploading ${WHEEL} from the controller's wheel cache`,
  ]);
  t.is(b.cache.read(b.cache.find(key)!).toString(), 'the wheel');
});

test('when the build fails, the host that waited builds it itself; the builder fails', async (t) => {
  const b = broker();
  const web1 = host({ buildFails: true });
  const web2 = host();
  claimWheelBuilds(work('build'), b, 'web1');
  const [first, second] = await Promise.allSettled([
    bringWheels(work('build'), { remote: web1.remote, broker: b, host: 'web1', step: () => undefined }),
    bringWheels(work('wait'), { remote: web2.remote, broker: b, host: 'web2', step: () => undefined }),
  ]);
  t.is(first.status, 'rejected');
  t.regex((first as PromiseRejectedResult).reason.message, /building the wheel of uwsgi==2\.0\.21 failed: error: command gcc failed/);
  t.is(second.status, 'fulfilled');
  t.deepEqual(web2.ran, ['build']);
  t.truthy(b.cache.find(key));
});

test('a cached wheel is uploaded, nothing is built; the upload carries no index credentials', async (t) => {
  const b = broker();
  b.cache.store(key, 'uwsgi', WHEEL, Buffer.from('cached'));
  const scripts: string[] = [];
  const web3 = host();
  const run = web3.remote.run.bind(web3.remote);
  web3.remote.run = (script) => (scripts.push(script), run(script));
  await bringWheels(work('cache'), { remote: web3.remote, broker: b, host: 'web3', step: () => undefined });
  t.deepEqual(web3.ran, ['upload']);
  t.true(scripts[0]!.includes(Buffer.from('cached').toString('base64')));
  t.false(scripts[0]!.includes('s3cret'));
});

test('two runs at once (two brokers on one cache, as two processes have): one builds, the other waits for its lock and uploads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wheels-'));
  const first = new WheelBroker(new WheelCache(dir), 50);
  const second = new WheelBroker(new WheelCache(dir), 50);
  const web1 = host({ buildMs: 400 });
  const web2 = host();
  // both plans were made before either build started: each run would build
  claimWheelBuilds(work('build'), first, 'web1');
  claimWheelBuilds(work('build'), second, 'web2');
  const steps: string[] = [];
  const one = bringWheels(work('build'), { remote: web1.remote, broker: first, host: 'web1', step: () => undefined });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await Promise.all([one, bringWheels(work('build'), { remote: web2.remote, broker: second, host: 'web2', step: (text) => steps.push(text) })]);
  t.deepEqual(web1.ran, ['build']);
  t.deepEqual(web2.ran, ['upload']);
  t.deepEqual(steps, [
    'waiting for another clamprovision run to build the wheel of uwsgi==2.0.21',
    `uploading ${WHEEL} from the controller's wheel cache`,
  ]);
});

test('the other run failed its build: this run takes the lock and builds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wheels-'));
  const first = new WheelBroker(new WheelCache(dir), 50);
  const second = new WheelBroker(new WheelCache(dir), 50);
  const web1 = host({ buildFails: true, buildMs: 300 });
  const web2 = host();
  claimWheelBuilds(work('build'), first, 'web1');
  claimWheelBuilds(work('build'), second, 'web2');
  const one = bringWheels(work('build'), { remote: web1.remote, broker: first, host: 'web1', step: () => undefined });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [a, b] = await Promise.allSettled([one, bringWheels(work('build'), { remote: web2.remote, broker: second, host: 'web2', step: () => undefined })]);
  t.is(a.status, 'rejected');
  t.is(b.status, 'fulfilled');
  t.deepEqual(web2.ran, ['build']);
  t.truthy(second.cache.find(key));
});

test(`twenty hosts take a cached wheel: at most ${UPLOADS_AT_ONCE} uploads run at once, all of them finish`, async (t) => {
  const b = broker();
  b.cache.store(key, 'uwsgi', WHEEL, Buffer.from('cached'));
  let running = 0;
  let most = 0;
  const hosts = Array.from({ length: 20 }, () => {
    const h = host();
    h.remote.run = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      h.ran.push('upload');
      return { code: 0, stdout: '', stderr: '' };
    };
    return h;
  });
  await Promise.all(hosts.map((h, i) => bringWheels(work('cache'), { remote: h.remote, broker: b, host: `web${i}`, step: () => undefined })));
  t.is(most, UPLOADS_AT_ONCE);
  t.true(hosts.every((h) => h.ran.join() === 'upload'));
});
