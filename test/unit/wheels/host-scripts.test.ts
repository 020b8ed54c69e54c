import test from 'ava';
import { buildWheelScript, parseBuiltWheels, uploadWheelsScript } from '../../../src/wheels/host-scripts.js';
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
  const stdout = `noise\nCLAMPROVISION-WHEEL ${Buffer.from(name).toString('base64')} ${Buffer.from([0, 1, 2, 255]).toString('base64')}\n`;
  t.deepEqual(parseBuiltWheels(stdout), [{ fileName: name, content: Buffer.from([0, 1, 2, 255]) }]);
  t.deepEqual(parseBuiltWheels('nothing built\n'), []);
});

test('the upload: the bytes on stdin, into the host\'s wheel directory, each file complete before it has its name', (t) => {
  const script = uploadWheelsScript([{ fileName: 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl', content: Buffer.from('wheel') }]);
  assertParses(script);
  t.regex(script, /base64 -d > "\$cp_wheels\/\.upload" <<'CLAMPROVISION_EOF'\nd2hlZWw=\nCLAMPROVISION_EOF\nmv -f -- "\$cp_wheels\/\.upload" "\$cp_wheels\/"uWSGI-2\.0\.21-cp311-cp311-linux_x86_64\.whl/);
  t.regex(script, /cp_wheels="\$cp_private\/wheels"/);
});
