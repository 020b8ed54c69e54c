/**
 * pip's build_packages: the compiler and headers go only to a host that compiles, right before it
 * does; plan says which and why.
 */
import test from 'ava';
import { pipResolutionKey, type PipResolutionFact } from '../../../src/facts/kinds/pip-resolution.js';
import { sameSnapshot } from '../../../src/facts/snapshot.js';
import type { HostFacts, PackageFact, VenvFact } from '../../../src/facts/types.js';
import { apt } from '../../../src/modules/apt.js';
import { pip } from '../../../src/modules/pip.js';
import { buildWheelScript } from '../../../src/wheels/host-scripts.js';
import type { WheelState } from '../../../src/wheels/wheel-broker.js';
import type { WheelKey } from '../../../src/wheels/wheel-key.js';
import { LXML_SHA, resolution, UWSGI_SHA } from '../wheels/fixtures.js';
import { assertParses, hostFacts } from './host-facts.js';

const VENV = '/opt/clam/x/venv';
const COMPILER = ['python3-dev', 'gcc', 'libc6-dev'];
const LXML_HEADERS = ['libxml2-dev', 'libxslt1-dev'];
const args = (input: Record<string, unknown> = {}) =>
  pip.schema.parse({ name: ['uwsgi', 'clam'], virtualenv: VENV, build_packages: { '*': COMPILER, lxml: LXML_HEADERS }, ...input });
const MISSING_VENV: VenvFact = { exists: false, packages: new Map(), markers: new Map() };

const RESOLVED = resolution([
  { name: 'uwsgi', version: '2.0.21', source: 'sdist', sha256: UWSGI_SHA },
  { name: 'clam', version: '3.3.0', source: 'wheel' },
  { name: 'lxml', version: '5.3.0', source: 'sdist', sha256: LXML_SHA },
]);

const notInstalled: PackageFact = { installed: false, candidate: '1' };
const NONE_INSTALLED = Object.fromEntries([...COMPILER, ...LXML_HEADERS].map((name) => [name, notInstalled]));

/** A host with a new virtualenv to make; pip's answer and the build packages as its late facts say. */
function factsWith(fact: PipResolutionFact | undefined, packages: Record<string, PackageFact> = NONE_INSTALLED, overrides: Partial<HostFacts> = {}): HostFacts {
  const facts = hostFacts({ venvs: new Map([[VENV, MISSING_VENV]]), packages: new Map(Object.entries(packages)), ...overrides });
  if (fact) facts.pipResolutions.set(pipResolutionKey({ virtualenv: VENV, requirements: ['uwsgi', 'clam'] }), fact);
  return facts;
}

const context = (states: Record<string, WheelState['kind']> = {}) => ({
  taskName: 'pip',
  inHandler: false,
  wheelState: (key: WheelKey): WheelState => {
    const kind = states[key.sha256] ?? 'absent';
    return kind === 'building' ? { kind, builder: 'web1' } : { kind };
  },
});

/** The install script's lines before pip installs. */
function beforePipInstall(script: string): string {
  return script.slice(0, script.indexOf('-m pip install'));
}

test('late facts: the build packages are asked with what pip would install, only when the virtualenv lacks something', (t) => {
  const fresh = pip.lateFacts!(args(), hostFacts({ venvs: new Map([[VENV, MISSING_VENV]]) }));
  t.deepEqual(
    fresh.map((request) => request.kind),
    ['pip_resolution', 'packages'],
  );
  t.like(fresh[1], { names: [...COMPILER, ...LXML_HEADERS] });
  const installed: VenvFact = { exists: true, python: '3.11.2', packages: new Map([['uwsgi', '2.0.21'], ['clam', '3.3.0']]), markers: new Map() };
  t.deepEqual(pip.lateFacts!(args(), hostFacts({ venvs: new Map([[VENV, installed]]) })), []);
  t.deepEqual(
    pip.lateFacts!(args({ build_packages: undefined }), hostFacts({ venvs: new Map([[VENV, MISSING_VENV]]) })).map((request) => request.kind),
    ['pip_resolution'],
  );
});

test('the host that builds uWSGI installs the compiler first, in the build; lxml from the cache needs nothing', (t) => {
  const change = pip.plan(args(), factsWith({ resolution: RESOLVED }), context({ [LXML_SHA]: 'cached' }))!;
  t.deepEqual(change.summary, [
    `create the virtualenv ${VENV}`,
    'install python3-dev, gcc, libc6-dev first (to compile uwsgi)',
    'install uwsgi==2.0.21 (new virtualenv; build wheel, then cache)',
    'install clam (new virtualenv)',
    "install lxml==5.3.0 (a dependency; from the controller's wheel cache)",
  ]);
  const [uwsgi, lxml] = change.wheels!.needs;
  t.deepEqual(uwsgi!.buildPackages, { missing: COMPILER });
  // the install itself compiles nothing: no apt-get in it
  t.notRegex(change.script, /apt-get/);

  const build = buildWheelScript(uwsgi!, change.wheels!.pip);
  assertParses(build);
  t.regex(build, /for cp_p in python3-dev gcc libc6-dev; do/);
  t.regex(build, /install --no-install-recommends -- \$cp_missing/);
  t.true(build.indexOf('apt-get') < build.indexOf('pip wheel'), 'installed before the build');
  t.notRegex(build, /libxml2-dev/);
  // should lxml's builder fail, this host builds lxml itself: with its headers
  t.deepEqual(lxml!.buildPackages, { missing: [...COMPILER, ...LXML_HEADERS] });
});

test('a host that gets every wheel from the cache (or waits for one) installs no build package', (t) => {
  const change = pip.plan(args(), factsWith({ resolution: RESOLVED }), context({ [UWSGI_SHA]: 'cached', [LXML_SHA]: 'building' }))!;
  t.deepEqual(change.summary.filter((line) => line.includes('first')), []);
  t.notRegex(change.script, /apt-get|dpkg-query/);
});

test('build packages already installed: nothing to install, no line', (t) => {
  const installed = Object.fromEntries(COMPILER.map((name) => [name, { installed: true, version: '1' }]));
  const change = pip.plan(args(), factsWith({ resolution: RESOLVED }, { ...NONE_INSTALLED, ...installed }), context({ [LXML_SHA]: 'cached' }))!;
  t.false(change.summary.some((line) => line.includes('first')));
  t.deepEqual(change.wheels!.needs[0]!.buildPackages, { missing: [] });
  t.notRegex(buildWheelScript(change.wheels!.needs[0]!, change.wheels!.pip), /apt-get|dpkg-query/);
});

test('both compiled here: the packages of both, each build installs its own', (t) => {
  const change = pip.plan(args(), factsWith({ resolution: RESOLVED }), context())!;
  t.is(change.summary[1], 'install python3-dev, gcc, libc6-dev, libxml2-dev, libxslt1-dev first (to compile uwsgi, lxml)');
  t.deepEqual(
    change.wheels!.needs.map((need) => need.buildPackages?.missing),
    [COMPILER, [...COMPILER, ...LXML_HEADERS]],
  );
});

test('pip compiles in the install itself: an sdist the cache cannot key, or every sdist without a cache', (t) => {
  const unkeyed = resolution([
    { name: 'uwsgi', version: '2.0.21', source: 'sdist' },
    { name: 'clam', version: '3.3.0', source: 'wheel' },
  ]);
  const change = pip.plan(args(), factsWith({ resolution: unkeyed }), context())!;
  t.is(change.summary[1], 'install python3-dev, gcc, libc6-dev first (to compile uwsgi)');
  t.is(change.wheels, undefined);
  t.regex(beforePipInstall(change.script), /for cp_p in python3-dev gcc libc6-dev; do[\s\S]*apt-get .*install --no-install-recommends -- \$cp_missing/);
  assertParses(change.script);

  const noCache = pip.plan(args(), factsWith({ resolution: RESOLVED }), { taskName: 'pip', inHandler: false })!;
  t.is(noCache.summary[1], 'install python3-dev, gcc, libc6-dev, libxml2-dev, libxslt1-dev first (to compile uwsgi, lxml)');
  t.regex(beforePipInstall(noCache.script), /for cp_p in python3-dev gcc libc6-dev libxml2-dev libxslt1-dev; do/);
});

test('only wheels to install: no build packages, also without a cache', (t) => {
  const wheels = resolution([{ name: 'clam', version: '3.3.0', source: 'wheel' }, { name: 'x', version: '1', source: 'tree' }]);
  for (const ctx of [context(), { taskName: 'pip', inHandler: false }]) {
    const change = pip.plan(args(), factsWith({ resolution: wheels }), ctx)!;
    t.false(change.summary.some((line) => line.includes('first')));
    t.notRegex(change.script, /apt-get/);
  }
});

test('pip cannot tell yet what it builds: plan says it may compile, the install installs every build package first', (t) => {
  const change = pip.plan(args(), factsWith({ unavailable: 'decided at apply (no Python with venv and pip on the host yet)' }), context())!;
  t.deepEqual(change.summary, [
    `create the virtualenv ${VENV}`,
    'install python3-dev, gcc, libc6-dev, libxml2-dev, libxslt1-dev first (pip may compile from source)',
    'install uwsgi (new virtualenv)',
    'install clam (new virtualenv)',
    'wheel cache: decided at apply (no Python with venv and pip on the host yet)',
  ]);
  t.regex(beforePipInstall(change.script), /for cp_p in python3-dev gcc libc6-dev libxml2-dev libxslt1-dev; do/);
});

test('without build_packages nothing is installed, whatever pip builds', (t) => {
  const change = pip.plan(args({ build_packages: undefined }), factsWith({ resolution: RESOLVED }), context())!;
  t.false(change.summary.some((line) => line.includes('first')));
  t.is(change.wheels!.needs[0]!.buildPackages, undefined);
  t.notRegex(change.script + buildWheelScript(change.wheels!.needs[0]!, change.wheels!.pip), /apt-get/);
});

test('stale apt lists are updated before the build packages, unless an apt task of the run already plans it', (t) => {
  const stale = factsWith({ resolution: RESOLVED }, NONE_INSTALLED, { aptListsAge: 3 * 86400 });
  const change = pip.plan(args(), stale, context({ [LXML_SHA]: 'cached' }))!;
  t.deepEqual(change.summary.slice(1, 3), ['update the apt lists (updated 3 days ago)', 'install python3-dev, gcc, libc6-dev first (to compile uwsgi)']);
  t.deepEqual(change.wheels!.needs[0]!.buildPackages, { missing: COMPILER, update: 'updated 3 days ago' });
  const build = buildWheelScript(change.wheels!.needs[0]!, change.wheels!.pip);
  // inside the guard: no update when nothing is missing any more
  t.regex(build, /if \[ -n "\$cp_missing" \]; then\n(?:.*\n)*? {2}cp_apt_update\(\) \{\n(?:.*\n)*? {2}touch \/var\/lib\/apt\/periodic\/update-success-stamp\n {2}apt-get/);
  assertParses(build);

  // plan: an apt task before it plans the update on the same read of the host (pip's late facts are
  // added to a copy of it)
  const read = factsWith(undefined, { ...NONE_INSTALLED, zip: notInstalled }, { aptListsAge: 3 * 86400 });
  t.deepEqual(apt.plan(apt.schema.parse({ name: 'zip' }), read, { taskName: 'apt', inHandler: false })!.summary, [
    'update the apt lists (updated 3 days ago)',
    'install zip',
  ]);
  const withLateFacts = { ...read, pipResolutions: new Map(read.pipResolutions) };
  withLateFacts.pipResolutions.set(pipResolutionKey({ virtualenv: VENV, requirements: ['uwsgi', 'clam'] }), { resolution: RESOLVED });
  sameSnapshot(withLateFacts, read);
  const after = pip.plan(args(), withLateFacts, context({ [LXML_SHA]: 'cached' }))!;
  t.is(after.summary[1], 'install python3-dev, gcc, libc6-dev first (to compile uwsgi)');
  t.is(after.wheels!.needs[0]!.buildPackages!.update, undefined);
});

test('build_packages: a list is for every build; distribution names are normalized; bad names are refused', (t) => {
  t.deepEqual(args({ build_packages: COMPILER }).build_packages, [['*', COMPILER]]);
  t.deepEqual(args({ build_packages: { '*': ['gcc'], LXML: ['libxml2-dev'], 'Foo_Bar': ['x11proto-dev'] } }).build_packages, [
    ['*', ['gcc']],
    ['lxml', ['libxml2-dev']],
    ['foo-bar', ['x11proto-dev']],
  ]);
  for (const bad of [['gcc; rm -rf /'], { lxml: ['$(reboot)'] }, { 'lxml; x': ['gcc'] }, 'gcc', { lxml: 'gcc' }]) {
    t.false(pip.schema.safeParse({ name: 'uwsgi', virtualenv: VENV, build_packages: bad }).success, JSON.stringify(bad));
  }
});

test('a wheel from the cache on a host with stale apt lists: the upload may update them (for the libraries the wheel needs)', (t) => {
  const cached = context({ [UWSGI_SHA]: 'cached', [LXML_SHA]: 'cached' });
  t.is(pip.plan(args(), factsWith({ resolution: RESOLVED }, NONE_INSTALLED, { aptListsAge: 3 * 86400 }), cached)!.wheels!.aptUpdate, 'updated 3 days ago');
  t.is(pip.plan(args(), factsWith({ resolution: RESOLVED }, NONE_INSTALLED, { aptListsAge: 60 }), cached)!.wheels!.aptUpdate, undefined);
});
