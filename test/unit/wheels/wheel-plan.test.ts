import test from 'ava';
import type { WheelState } from '../../../src/wheels/wheel-broker.js';
import { platformOf, type WheelKey } from '../../../src/wheels/wheel-key.js';
import { describeWheelSource, planWheels } from '../../../src/wheels/wheel-plan.js';
import { OS } from '../modules/host-facts.js';
import { LXML_SHA, resolution, UWSGI_SHA } from './fixtures.js';

const install = resolution([
  { name: 'uwsgi', version: '2.0.21', source: 'sdist', sha256: UWSGI_SHA },
  { name: 'clam', version: '3.3.0', source: 'wheel' },
  { name: 'lxml', version: '5.3.0', source: 'sdist', sha256: LXML_SHA },
  { name: 'odd-pkg', version: '1.0', source: 'sdist' },
  { name: 'x', version: '0.1', source: 'tree' },
]);

test('the platform a wheel is good for: OS release, architecture, Python', (t) => {
  t.is(platformOf(OS.bookworm, install), 'debian-12-x86_64-cpython3.11');
  t.is(platformOf(OS.noble, { implementation: 'cpython', machine: 'aarch64', pythonVersion: '3.12' }), 'ubuntu-24.04-aarch64-cpython3.12');
  // whatever the host says, the platform is a plain file name
  t.is(platformOf({ id: '../x', versionId: '1 2' }, { implementation: 'c/py', machine: '', pythonVersion: '3.11' }), '..x-12-unknown-cpy3.11');
});

test('only sdists with a known sha256 are built or taken from the cache; wheels and trees are left to pip', (t) => {
  const needs = planWheels(install, OS.bookworm, () => ({ kind: 'absent' }));
  t.deepEqual(
    needs.map((n) => [n.name, n.version, n.key, n.via]),
    [
      ['uwsgi', '2.0.21', { platform: 'debian-12-x86_64-cpython3.11', sha256: UWSGI_SHA }, 'build'],
      ['lxml', '5.3.0', { platform: 'debian-12-x86_64-cpython3.11', sha256: LXML_SHA }, 'build'],
    ],
  );
});

test('build, cache or wait, as the run and the cache stand', (t) => {
  const states: Record<string, WheelState> = { [UWSGI_SHA]: { kind: 'cached' }, [LXML_SHA]: { kind: 'building', builder: 'web1' } };
  const needs = planWheels(install, OS.bookworm, (key: WheelKey) => states[key.sha256]!);
  t.deepEqual(
    needs.map((n) => describeWheelSource(n)),
    ["from the controller's wheel cache", "from the controller's wheel cache, once web1 has built it"],
  );
  t.is(describeWheelSource({ via: 'build' }), 'build wheel, then cache');
});

test('another release or Python is another key: built again there', (t) => {
  const asked: WheelKey[] = [];
  planWheels(install, OS.trixie, (key) => (asked.push(key), { kind: 'absent' }));
  planWheels({ ...install, pythonVersion: '3.13' }, OS.trixie, (key) => (asked.push(key), { kind: 'absent' }));
  t.deepEqual([...new Set(asked.map((k) => k.platform))], ['debian-13-x86_64-cpython3.11', 'debian-13-x86_64-cpython3.13']);
});
