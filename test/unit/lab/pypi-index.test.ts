import test from 'ava';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSha256Sums, projectOfFile, verifiedWheelhouse } from '../../lab/pypi-index.js';
import { wheelhouseDir } from '../../lab/state.js';
import { tempTree } from '../input/temp-files.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('projectOfFile names the PEP 503 project of every kind of file in the wheelhouse', (t) => {
  const expected: Record<string, string> = {
    'CLAM-3.3.0-py3-none-any.whl': 'clam',
    'CLAM-3.3.0.tar.gz': 'clam',
    'MarkupSafe-3.0.2-py3-none-any.whl': 'markupsafe',
    'PyYAML-6.0.3-py3-none-any.whl': 'pyyaml',
    'charset_normalizer-3.4.9-py3-none-any.whl': 'charset-normalizer',
    'lxml-6.1.1-cp311-cp311-linux_x86_64.whl': 'lxml',
    'lxml-6.1.1.tar.gz': 'lxml',
    'requests_oauthlib-2.0.0-py2.py3-none-any.whl': 'requests-oauthlib',
    'requests_toolbelt-1.0.0-py2.py3-none-any.whl': 'requests-toolbelt',
    'uwsgi-2.0.21.tar.gz': 'uwsgi',
  };
  for (const [file, project] of Object.entries(expected)) t.is(projectOfFile(file), project, file);
  for (const file of ['SHA256SUMS', 'SOURCES.md']) t.is(projectOfFile(file), null, file);
});

test('parseSha256Sums reads sha256sum output and points at a bad line', (t) => {
  const hex = 'a'.repeat(64);
  t.deepEqual(parseSha256Sums(`${hex}  a-1.whl\n${hex.toUpperCase()} *b-2.tar.gz\n\n`, 'SUMS'), [
    { name: 'a-1.whl', sha256: hex },
    { name: 'b-2.tar.gz', sha256: hex },
  ]);
  t.throws(() => parseSha256Sums(`${hex}  a-1.whl\nnonsense\n`, 'SUMS'), { message: /^SUMS:2: .*nonsense/ });
  t.throws(() => parseSha256Sums(`${hex}  ../x-1.whl\n`, 'SUMS'), { message: /^SUMS:1:/ });
});

function wheelhouse(files: Record<string, string>, sums: Record<string, string> = files): string {
  const listing = Object.entries(sums).map(([name, content]) => `${sha256(content)}  ${name}\n`).join('');
  return tempTree({ ...files, SHA256SUMS: listing, 'SOURCES.md': '# where these came from\n' });
}

test('verifiedWheelhouse lists every file of SHA256SUMS with its digest', (t) => {
  const dir = wheelhouse({ 'a-1.0-py3-none-any.whl': 'A', 'b-2.0.tar.gz': 'B' });
  const result = verifiedWheelhouse(dir);
  t.deepEqual(result.files.map((f) => f.name), ['a-1.0-py3-none-any.whl', 'b-2.0.tar.gz']);
  t.is(result.files[0]?.path, path.join(dir, 'a-1.0-py3-none-any.whl'));
  t.regex(result.digest, /^[0-9a-f]{64}$/);
});

test('verifiedWheelhouse names a file that does not match, is missing or is not listed', (t) => {
  const changed = wheelhouse({ 'a-1.0-py3-none-any.whl': 'A' });
  writeFileSync(path.join(changed, 'a-1.0-py3-none-any.whl'), 'tampered');
  t.throws(() => verifiedWheelhouse(changed), { message: /a-1\.0-py3-none-any\.whl does not match SHA256SUMS/ });

  const missing = wheelhouse({}, { 'gone-1.0-py3-none-any.whl': 'G' });
  t.throws(() => verifiedWheelhouse(missing), { message: /gone-1\.0-py3-none-any\.whl is listed in SHA256SUMS but missing/ });

  const extra = wheelhouse({ 'a-1.0-py3-none-any.whl': 'A', 'stray-1.0.tar.gz': 'S' }, { 'a-1.0-py3-none-any.whl': 'A' });
  t.throws(() => verifiedWheelhouse(extra), { message: /stray-1\.0\.tar\.gz is not listed in SHA256SUMS/ });

  const noSums = tempTree({ 'a-1.0-py3-none-any.whl': 'A' });
  t.throws(() => verifiedWheelhouse(noSums), { message: /has no readable SHA256SUMS/ });
});

test('wheelhouseDir: the environment first, then beside the repository', (t) => {
  const beside = tempTree({ 'shared/wheelhouse/SHA256SUMS': '', 'repo/README.md': '' });
  t.is(wheelhouseDir({}, path.join(beside, 'repo')), path.join(beside, 'shared', 'wheelhouse'));
  t.is(wheelhouseDir({ CLAMPROVISION_WHEELHOUSE: path.join(beside, 'shared') }, '/nonexistent'), path.join(beside, 'shared'));
  t.throws(() => wheelhouseDir({ CLAMPROVISION_WHEELHOUSE: path.join(beside, 'nope') }), { message: /CLAMPROVISION_WHEELHOUSE=.*nope: no such directory/ });
});
