import test from 'ava';
import { pipResolutionKey, type PipResolutionFact } from '../../../src/facts/kinds/pip-resolution.js';
import type { VenvFact } from '../../../src/facts/types.js';
import { pip } from '../../../src/modules/pip.js';
import type { WheelState } from '../../../src/wheels/wheel-broker.js';
import type { WheelKey } from '../../../src/wheels/wheel-key.js';
import { LXML_SHA, resolution, UWSGI_SHA } from '../wheels/fixtures.js';
import { assertParses, hostFacts } from './host-facts.js';

const VENV = '/opt/clam/x/venv';
const args = (input: Record<string, unknown> = {}) =>
  pip.schema.parse({ name: ['uwsgi', 'clam'], virtualenv: VENV, index_url: 'http://user:s3cret@10.0.0.1/simple/', extra_args: '--use-pep517', ...input });
const MISSING_VENV: VenvFact = { exists: false, packages: new Map(), markers: new Map() };
const INSTALLED: VenvFact = { exists: true, python: '3.11.2', packages: new Map([['uwsgi', '2.0.21'], ['clam', '3.3.0']]), markers: new Map() };

const RESOLVED = resolution([
  { name: 'uwsgi', version: '2.0.21', source: 'sdist', sha256: UWSGI_SHA },
  { name: 'clam', version: '3.3.0', source: 'wheel' },
  { name: 'lxml', version: '5.3.0', source: 'sdist', sha256: LXML_SHA },
]);

function factsWith(venv: VenvFact, fact?: PipResolutionFact, entries: string[] = ['uwsgi', 'clam']) {
  const facts = hostFacts({ venvs: new Map([[VENV, venv]]) });
  const request = pip.lateFacts!(args(), facts)[0];
  if (fact && request?.kind === 'pip_resolution') facts.pipResolutions.set(pipResolutionKey({ ...request, requirements: entries }), fact);
  return facts;
}

const context = (states: Record<string, WheelState> = {}) => ({
  taskName: 'pip',
  inHandler: false,
  wheelState: (key: WheelKey): WheelState => states[key.sha256] ?? { kind: 'absent' },
});

test('late facts: what pip would install is asked only when the virtualenv lacks something', (t) => {
  const fresh = pip.lateFacts!(args(), hostFacts({ venvs: new Map([[VENV, MISSING_VENV]]) }));
  t.is(fresh.length, 1);
  t.like(fresh[0], { kind: 'pip_resolution', virtualenv: VENV, requirements: ['uwsgi', 'clam'], extra_args: '--use-pep517', virtualenv_command: 'python3 -m venv' });
  t.deepEqual(pip.lateFacts!(args(), hostFacts({ venvs: new Map([[VENV, INSTALLED]]) })), []);
  const upgrade = pip.lateFacts!(args({ name: ['uwsgi==2.0.22', 'clam'] }), hostFacts({ venvs: new Map([[VENV, INSTALLED]]) }));
  t.like(upgrade[0], { requirements: ['uwsgi==2.0.22'] });
});

test('plan: the first host builds the wheel and caches it; a compiled dependency is named too', (t) => {
  const change = pip.plan(args(), factsWith(MISSING_VENV, { resolution: RESOLVED }), context())!;
  t.deepEqual(change.summary, [
    `create the virtualenv ${VENV}`,
    'install uwsgi==2.0.21 (new virtualenv; build wheel, then cache)',
    'install clam (new virtualenv)',
    'install lxml==5.3.0 (a dependency; build wheel, then cache)',
  ]);
  t.deepEqual(
    change.wheels?.needs.map((n) => [n.name, n.via]),
    [
      ['uwsgi', 'build'],
      ['lxml', 'build'],
    ],
  );
  t.like(change.wheels?.pip, { virtualenv: VENV, extra_args: '--use-pep517' });
  // pip finds the wheels the engine brought, and they go after the install
  t.regex(change.script, /export PIP_FIND_LINKS="\$cp_wheels"\n.*-m pip install -q --use-pep517 \$\{cp_pip_wheels:-\} uwsgi clam\nrm -rf -- "\$cp_wheels"/);
  assertParses(change.script);
});

test('plan: the other hosts take the wheel from the cache, or wait for the host that builds it', (t) => {
  const change = pip.plan(args(), factsWith(MISSING_VENV, { resolution: RESOLVED }), context({ [UWSGI_SHA]: { kind: 'cached' }, [LXML_SHA]: { kind: 'building', builder: 'web1' } }))!;
  t.deepEqual(change.summary.slice(1), [
    "install uwsgi==2.0.21 (new virtualenv; from the controller's wheel cache)",
    'install clam (new virtualenv)',
    "install lxml==5.3.0 (a dependency; from the controller's wheel cache, once web1 has built it)",
  ]);
  t.deepEqual(
    change.wheels?.needs.map((n) => n.via),
    ['cache', 'wait'],
  );
});

test('plan: nothing to build, no wheel work; no resolution, no wheel work', (t) => {
  const wheelsOnly = resolution([{ name: 'clam', version: '3.3.0', source: 'wheel' }]);
  const change = pip.plan(args(), factsWith(MISSING_VENV, { resolution: wheelsOnly }), context())!;
  t.is(change.wheels, undefined);
  t.notRegex(change.script, /PIP_FIND_LINKS/);
  t.is(pip.plan(args(), factsWith(MISSING_VENV), context())!.wheels, undefined);
  // without a wheel cache (a run that has none), as before
  t.is(pip.plan(args(), factsWith(MISSING_VENV, { resolution: RESOLVED }), { taskName: 'pip', inHandler: false })!.wheels, undefined);
});

test('plan: a host without Python yet says the wheels are decided at apply', (t) => {
  const change = pip.plan(args(), factsWith(MISSING_VENV, { unavailable: 'decided at apply (no Python with venv and pip on the host yet)' }), context())!;
  t.is(change.summary.at(-1), 'wheel cache: decided at apply (no Python with venv and pip on the host yet)');
  t.is(change.wheels, undefined);
});

test('the index URL (credentials) is in no summary and no wheel key', (t) => {
  const change = pip.plan(args(), factsWith(MISSING_VENV, { resolution: RESOLVED }), context())!;
  t.false(change.summary.join('\n').includes('s3cret'));
  t.false(JSON.stringify(change.wheels?.needs).includes('s3cret'));
  t.false(pipResolutionKey({ virtualenv: VENV, requirements: ['uwsgi'], extra_args: '' }).includes('s3cret'));
});
