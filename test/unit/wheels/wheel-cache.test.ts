import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WheelCache, wheelCacheDir, wheelProject } from '../../../src/wheels/wheel-cache.js';
import { UWSGI_SHA } from './fixtures.js';

const key = { platform: 'debian-12-x86_64-cpython3.11', sha256: UWSGI_SHA };
const WHEEL = 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl';

test('where the cache is: CLAMPROVISION_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache', (t) => {
  t.is(wheelCacheDir({ CLAMPROVISION_CACHE_DIR: '/var/cache/x', XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/var/cache/x/wheels');
  t.is(wheelCacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/xdg/clamprovision/wheels');
  t.is(wheelCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u'), '/home/u/.cache/clamprovision/wheels');
  t.is(wheelCacheDir({}, '/home/u'), '/home/u/.cache/clamprovision/wheels');
});

test('wheel file names: the project they are of, nothing that is not a wheel', (t) => {
  t.is(wheelProject(WHEEL), 'uwsgi');
  t.is(wheelProject('lxml-5.3.0-cp311-cp311-manylinux_2_17_x86_64.whl'), 'lxml');
  t.is(wheelProject('pkg-1.0-1-py3-none-any.whl'), 'pkg');
  for (const bad of ['../x-1.0-py3-none-any.whl', 'x-1.0.tar.gz', '.uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl.1.abc.tmp', 'a/b-1-py3-none-any.whl']) {
    t.is(wheelProject(bad), undefined, bad);
  }
});

test('a stored wheel is found under its key, and only there', (t) => {
  const cache = new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-')));
  t.is(cache.find(key), undefined);
  const stored = cache.store(key, 'uwsgi', WHEEL, Buffer.from('wheel bytes'));
  t.deepEqual(cache.find(key), stored);
  t.is(stored.path, join(cache.dir, key.platform, UWSGI_SHA, WHEEL));
  t.is(cache.read(stored).toString(), 'wheel bytes');
  t.is(cache.find({ ...key, platform: 'debian-13-x86_64-cpython3.13' }), undefined);
});

test('the cache is written by rename: a temporary file being written is never found, none is left', (t) => {
  const cache = new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-')));
  const dir = join(cache.dir, key.platform, key.sha256);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `.${WHEEL}.123.abcdef.tmp`), 'half a whe');
  t.is(cache.find(key), undefined);
  cache.store(key, 'uwsgi', WHEEL, Buffer.from('whole'));
  // the other writer's temporary file stays its own; this store left none
  t.deepEqual(readdirSync(dir).sort(), [`.${WHEEL}.123.abcdef.tmp`, WHEEL, `${WHEEL}.debian-packages`]);
  t.is(readFileSync(join(dir, WHEEL), 'utf8'), 'whole');
});

test('the Debian packages a wheel needs are kept beside it; a wheel without that list counts as absent', (t) => {
  const cache = new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-')));
  const stored = cache.store(key, 'uwsgi', WHEEL, Buffer.from('w'), ['libpython3.11', 'zlib1g']);
  t.deepEqual(cache.find(key)?.debianPackages, ['libpython3.11', 'zlib1g']);
  t.deepEqual(stored.debianPackages, ['libpython3.11', 'zlib1g']);
  // what is no package name never reaches a host's script
  writeFileSync(`${stored.path}.debian-packages`, 'zlib1g\n$(reboot)\nx y\n');
  t.deepEqual(cache.find(key)?.debianPackages, ['zlib1g']);
  // a wheel an earlier clamprovision stored, without the list: built again
  const older = { ...key, sha256: 'c'.repeat(64) };
  mkdirSync(join(cache.dir, older.platform, older.sha256), { recursive: true });
  writeFileSync(join(cache.dir, older.platform, older.sha256, WHEEL), 'old');
  t.is(cache.find(older), undefined);
  cache.store(older, 'uwsgi', WHEEL, Buffer.from('new'), []);
  t.deepEqual(cache.find(older)?.debianPackages, []);
});

test('a build that gave a wheel of another project, or no wheel name, is not stored', (t) => {
  const cache = new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-')));
  t.throws(() => cache.store(key, 'uwsgi', 'lxml-5.3.0-cp311-cp311-linux_x86_64.whl', Buffer.from('x')), { message: /not a wheel of uwsgi/ });
  t.throws(() => cache.store(key, 'uwsgi', '../../uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl', Buffer.from('x')));
  t.is(cache.find(key), undefined);
});
