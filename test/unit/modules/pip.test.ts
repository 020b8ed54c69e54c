import test from 'ava';
import type { VenvFact } from '../../../src/facts/types.js';
import { compareVersions, isSatisfied, parseRequirement } from '../../../src/modules/lib/pep440.js';
import { pathMarkerName, pip } from '../../../src/modules/pip.js';
import { assertParses, hostFacts } from './host-facts.js';

const context = { taskName: 'pip', inHandler: false };
const args = (input: unknown) => pip.schema.parse(input);
const VENV = '/opt/clam/x/venv';
const venv = (packages: Record<string, string>, markers: Record<string, string> = {}): VenvFact => ({
  exists: true,
  python: '3.11.2',
  packages: new Map(Object.entries(packages)),
  markers: new Map(Object.entries(markers)),
});
const withVenv = (fact: VenvFact, os: 'bookworm' | 'noble' | 'jammy' = 'bookworm') => hostFacts({ venvs: new Map([[VENV, fact]]) }, os);
const MISSING_VENV: VenvFact = { exists: false, packages: new Map(), markers: new Map() };

test('PEP 440 ordering', (t) => {
  const ascending = ['1.0.dev1', '1.0a1', '1.0b2', '1.0rc1', '1.0', '1.0.post1', '1.0.1', '1.1', '2.0.21', '2.0.22', '10.0'];
  for (let i = 0; i + 1 < ascending.length; i++) t.true(compareVersions(ascending[i]!, ascending[i + 1]!) < 0, `${ascending[i]} < ${ascending[i + 1]}`);
  t.is(compareVersions('1.0', '1.0.0'), 0);
  t.is(compareVersions('1.0+local', '1.0'), 0);
});

test('requirements: which installed versions satisfy them', (t) => {
  const cases: [string, string | undefined, boolean][] = [
    ['clam', '3.3.0', true],
    ['clam', undefined, false],
    ['uWSGI==2.0.21', '2.0.21', true],
    ['uwsgi==2.0.21', '2.0.22', false],
    ['flask>=2,<4', '3.0.3', true],
    ['flask>=2,<4', '4.0', false],
    ['clam~=3.3', '3.9.1', true],
    ['clam~=3.3', '4.0', false],
    ['clam~=3.3.0', '3.4', false],
    ['django==4.2.*', '4.2.11', true],
    ['django!=4.2.*', '4.2.11', false],
    ['clam[extra]>=3', '3.3.0', true],
    ['clam >= 3 ; python_version >= "3.9"', '3.3.0', true],
    ['clam @ https://example.org/clam.tar.gz', '3.3.0', true],
  ];
  for (const [text, installed, expected] of cases) t.is(isSatisfied(parseRequirement(text), installed), expected, `${text} with ${installed}`);
  t.is(parseRequirement('Flask_Cors').name, 'flask-cors');
});

test('a missing virtualenv is created, then everything is installed', (t) => {
  const change = pip.plan(args({ name: ['uwsgi', 'clam'], virtualenv: VENV }), withVenv(MISSING_VENV), context)!;
  t.deepEqual(change.summary, [`create the virtualenv ${VENV}`, 'install uwsgi (new virtualenv)', 'install clam (new virtualenv)']);
  t.regex(change.script, /\ncp_new_venv \/opt\/clam\/x\/venv 'python3 -m venv' \|\| exit 1\n/);
  t.regex(change.script, /install the python3-venv package/);
  // pip and setuptools unpacked by cp_new_venv are installed for good with the requirements
  t.regex(change.script, /\/opt\/clam\/x\/venv\/bin\/python -m pip install -q \$\{cp_pip_wheels:-\} uwsgi clam\n/);
  // a partial virtualenv (python3-venv was missing) is removed before trying again
  t.regex(change.script, /\[ -e \/opt\/clam\/x\/venv\/pyvenv\.cfg \] && \[ ! -x \/opt\/clam\/x\/venv\/bin\/pip \]; then rm -rf/);
  assertParses(change.script);
});

test('satisfied requirements are not reinstalled', (t) => {
  t.is(pip.plan(args({ name: ['uWSGI', 'clam>=3'], virtualenv: VENV }), withVenv(venv({ uwsgi: '2.0.21', clam: '3.3.0' })), context), null);
  const change = pip.plan(args({ name: ['uwsgi==2.0.22', 'clam'], virtualenv: VENV }), withVenv(venv({ uwsgi: '2.0.21', clam: '3.3.0' })), context)!;
  t.deepEqual(change.summary, ['install uwsgi==2.0.22 (2.0.21 installed)']);
  t.notRegex(change.script, /cp_new_venv \/|-m venv/);
});

test('the index URL and trusted host go through the environment, not argv', (t) => {
  const change = pip.plan(
    args({ name: 'clam', virtualenv: VENV, index_url: 'http://user:s3cret@10.0.0.1:3141/simple/', trusted_host: '10.0.0.1', extra_args: '--no-build-isolation' }),
    withVenv(venv({})),
    context,
  )!;
  t.regex(change.script, /export PIP_INDEX_URL='?http:\/\/user:s3cret@10\.0\.0\.1:3141\/simple\/'?\n/);
  t.regex(change.script, /export PIP_TRUSTED_HOST=10\.0\.0\.1/);
  const installLine = change.script.split('\n').find((line) => line.includes('-m pip install'))!;
  t.false(installLine.includes('s3cret'));
  t.regex(installLine, /--no-build-isolation \$\{cp_pip_wheels:-\} clam$/);
});

test('host paths: installed once, again only when reinstall_on changes', (t) => {
  const src = '/opt/clam/x/src';
  const marker = pathMarkerName(src);
  const first = pip.plan(args({ name: ['uwsgi', src], virtualenv: VENV, reinstall_on: 'digest-1' }), withVenv(venv({ uwsgi: '2.0.21' })), context)!;
  t.deepEqual(first.summary, [`install ${src} (not installed yet)`]);
  t.regex(first.script, new RegExp(`printf '%s' digest-1 > /opt/clam/x/venv/\\.clamprovision/${marker}`));
  t.is(pip.plan(args({ name: ['uwsgi', src], virtualenv: VENV, reinstall_on: 'digest-1' }), withVenv(venv({ uwsgi: '2.0.21' }, { [marker]: 'digest-1' })), context), null);
  const changed = pip.plan(args({ name: [src], virtualenv: VENV, reinstall_on: 'digest-2' }), withVenv(venv({}, { [marker]: 'digest-1' })), context)!;
  t.deepEqual(changed.summary, [`install ${src} (reinstall_on changed)`]);
});

test('Ubuntu hosts plan like Debian ones', (t) => {
  for (const os of ['noble', 'jammy'] as const) {
    t.is(pip.plan(args({ name: 'uwsgi', virtualenv: VENV }), withVenv(venv({ uwsgi: '2.0.24' }), os), context), null, os);
  }
});
