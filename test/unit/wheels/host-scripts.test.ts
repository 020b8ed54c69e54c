import test from 'ava';
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { buildWheelScript, parseBuiltWheels, uploadWheelsScript, WHEEL_NEEDS_SHELL } from '../../../src/wheels/host-scripts.js';
import { testTempDir } from '../../helpers/temp-dir.js';
import { assertParses } from '../modules/host-facts.js';
import { UWSGI_SHA } from './fixtures.js';

const key = { platform: 'debian-12-x86_64-cpython3.11', sha256: UWSGI_SHA };
const settings = { virtualenv: '/opt/clam/x/venv', virtualenv_command: 'python3 -m venv', index_url: 'http://user:s3cret@10.0.0.1/simple/', extra_args: '--use-pep517' };

test('the build: the same sdist (its hash), the same index and flags, one sdist without its dependencies', (t) => {
  const script = buildWheelScript({ name: 'uwsgi', version: '2.0.21', key }, settings);
  assertParses(script);
  t.true(script.includes(`'uwsgi==2.0.21 --hash=sha256:${UWSGI_SHA}'`));
  t.regex(script, /-m pip wheel -q --no-deps --use-pep517 -w "\$cp_work\/out" -r "\$cp_work\/requirements\.txt" >&2/);
  // the index URL is exported from the script (stdin), never on a command line
  t.regex(script, /^export PIP_INDEX_URL='?http:\/\/user:s3cret@10\.0\.0\.1\/simple\/'?$/m);
  t.deepEqual(script.split('\n').filter((line) => line.includes('s3cret') && !line.startsWith('export PIP_INDEX_URL=')), []);
  // the host's Python: the virtualenv's, else a throwaway one made the way the virtualenv is made
  t.regex(script, /cp_host_python \/opt\/clam\/x\/venv "\$cp_work" 'python3 -m venv'/);
});

test('what a build prints is read back: the file name and its bytes', (t) => {
  const name = 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl';
  const line = `CLAMPROVISION-WHEEL ${Buffer.from(name).toString('base64')} ${Buffer.from([0, 1, 2, 255]).toString('base64')}`;
  t.deepEqual(parseBuiltWheels(`noise\n${line} libc6,libpython3.11\n`), [{ fileName: name, content: Buffer.from([0, 1, 2, 255]), debianPackages: ['libc6', 'libpython3.11'] }]);
  t.deepEqual(parseBuiltWheels(`${line} -\n`)[0]?.debianPackages, []);
  // what is no package name never reaches another host's script
  t.deepEqual(parseBuiltWheels(`${line} zlib1g,$(reboot),a;b\n`)[0]?.debianPackages, ['zlib1g']);
  t.deepEqual(parseBuiltWheels('nothing built\n'), []);
});

test('the upload: the bytes on stdin, into the host\'s wheel directory, each file complete before it has its name', (t) => {
  const script = uploadWheelsScript([{ fileName: 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl', content: Buffer.from('wheel'), debianPackages: [] }]);
  t.notRegex(script, /apt-get/);
  assertParses(script);
  t.regex(script, /base64 -d > "\$cp_wheels\/\.upload" <<'CLAMPROVISION_EOF'\nd2hlZWw=\nCLAMPROVISION_EOF\nmv -f -- "\$cp_wheels\/\.upload" "\$cp_wheels\/"uWSGI-2\.0\.21-cp311-cp311-linux_x86_64\.whl/);
  t.regex(script, /cp_wheels="\$cp_private\/wheels"/);
});

test('the upload installs the Debian packages a wheel needs where they are missing, the lists updated first when stale', (t) => {
  const wheel = { fileName: 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl', content: Buffer.from('wheel'), debianPackages: ['libpython3.11', 'zlib1g'] };
  const script = uploadWheelsScript([wheel, { ...wheel, fileName: 'lxml-5.3.0-cp311-cp311-linux_x86_64.whl', debianPackages: ['libxml2', 'zlib1g'] }], 'updated 3 days ago');
  assertParses(script);
  t.regex(script, /for cp_p in libpython3\.11 zlib1g libxml2; do/);
  t.regex(script, /apt-get -q -o DPkg::Lock::Timeout=300 update/);
  t.true(script.indexOf('install --no-install-recommends') < script.indexOf('.upload'));
  t.notRegex(uploadWheelsScript([wheel]), / update/);
});

const hasTools = ['dpkg', 'ldd', 'python3'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
(hasTools ? test : test.skip)('the packages a wheel needs: those that ship the libraries its ELF files load (this machine\'s python3 in a wheel)', (t) => {
  const work = testTempDir('wheel-needs');
  const python = realpathSync('/usr/bin/python3');
  const zip = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.write(sys.argv[2], "x-1.data/scripts/prog"); z.writestr("x/__init__.py", "")', join(work, 'x.whl'), python]);
  t.is(zip.status, 0, zip.stderr.toString());
  const run = spawnSync('sh', ['-c', `set -e\ncp_work=${work}\ncp_py=python3\n${WHEEL_NEEDS_SHELL}\ncp_wheel_needs "$cp_work/x.whl"`], { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  const expected = spawnSync('sh', ['-c', `ldd ${python} | awk 'substr($3, 1, 1) == "/" { print $3 }' | while read l; do dpkg -S "$l" 2>/dev/null || dpkg -S "/usr$l"; done | sed 's/[:,].*//' | sort -u`], { encoding: 'utf8' });
  t.true(run.stdout.split('\n').includes('libc6'), run.stdout);
  t.is(run.stdout, expected.stdout);
});
