import test from 'ava';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listSourceFiles, sourceDigest } from '../../../src/clam/source-tree.js';
import { InputError } from '../../../src/core/errors.js';
import { ignoreFilter } from '../../../src/input/source-ignore.js';
import { readLocalDirectory } from '../../../src/modules/copy.js';
import { lines, tempTree } from '../input/temp-files.js';

/** What a service's source holds that belongs on the server. */
const KEPT = {
  'setup.py': 'setup()',
  'svc/svc.py': 'SYSTEM_ID = "svc"',
  'svc/svc.wsgi': 'import clam',
  'svc/svc.config.yml': 'root: /data',
  'svc/environment.py': 'env',
  'svc/envoy/notes.txt': 'a directory that starts like env',
  'venv/README.txt': 'a directory named venv without pyvenv.cfg is not a virtualenv',
  'docs/hosts.txt': 'x',
  'ansible.cfg': 'x',
};

/** Left out of any copied directory: version control data, caches, the ignore file. */
const VCS_AND_CACHES = {
  '.git/HEAD': 'ref',
  'svc/.git': 'gitdir: ../.git/modules/svc',
  '.hg/store': 'x',
  '.svn/entries': 'x',
  'svc/__pycache__/svc.cpython-311.pyc': 'x',
  'svc/old.pyc': 'x',
  'svc/old.pyo': 'x',
  '.mypy_cache/3.11/x.json': 'x',
  '.pytest_cache/v/cache': 'x',
  '.tox/py311/log': 'x',
  '.clamprovisionignore': '',
};

/** Also left out of a service's source, one path for each built-in exclusion. */
const SERVICE_ONLY = {
  '.venv/pyvenv.cfg': 'home = /usr/bin',
  '.venv/bin/python': 'x',
  'env/pyvenv.cfg': 'home = /usr/bin',
  'tools/my-python/pyvenv.cfg': 'home = /usr/bin',
  'tools/my-python/lib/site.py': 'x',
  'node_modules/left-pad/index.js': 'x',
  '.env': 'SECRET=1',
  '.env.production': 'SECRET=2',
  'svc/.env': 'SECRET=3',
  'svc/svc.py~': 'backup',
  'svc/.svc.py.swp': 'vim',
  'svc/.svc.py.swo': 'vim',
  'svc/.#svc.py': 'emacs lock',
  'svc/#svc.py#': 'emacs autosave',
  'inventory.yml': 'all: {}',
  'inventory.yaml': 'all: {}',
  'inventory.lab.yml': 'all: {}',
  'prod.inventory.yml': 'all: {}',
  'hosts.yml': 'all: {}',
  'answers.yml': 'server: x',
  'answers.yaml': 'server: x',
  'deploy/inventory.yml': 'all: {}',
};

const BUILT_IN = { ...VCS_AND_CACHES, ...SERVICE_ONLY };

const keptFiles = Object.keys(KEPT).sort();

test('a service source leaves out every built-in exclusion and keeps the rest', (t) => {
  const dir = tempTree({ ...KEPT, ...BUILT_IN });
  const ignored = ignoreFilter(dir, 'service-source');
  // the walks ask top-down: an entry is left out with its directory
  const leftOut = (file: string) => file.split('/').some((_, depth, parts) => ignored(parts.slice(0, depth + 1).join('/')));
  for (const file of Object.keys(BUILT_IN)) t.true(leftOut(file), `${file} is left out`);
  for (const file of keptFiles) t.false(leftOut(file), `${file} is kept`);
  t.deepEqual(listSourceFiles(dir), keptFiles);
});

test('a virtualenv is found by its pyvenv.cfg under any name, also through a symlink, whatever the ignore file says', (t) => {
  const dir = tempTree({
    'app.py': 'x',
    'python-3.11/pyvenv.cfg': 'home = /usr/bin',
    'python-3.11/bin/python3': 'x',
    'nested/deep/runtime/pyvenv.cfg': 'home = /usr/bin',
    'nested/deep/runtime/lib/x.py': 'x',
    '.clamprovisionignore': lines('!python-3.11/', '!runtime'),
  });
  symlinkSync(path.join(dir, 'python-3.11'), path.join(dir, 'linked-venv'));
  t.deepEqual(listSourceFiles(dir), ['app.py']);
  t.deepEqual(readLocalDirectory(dir, 'service-source').map((entry) => entry.path), ['app.py', 'nested', 'nested/deep']);
});

test('.clamprovisionignore: directories, globs, anchored paths and negations, in gitignore syntax', (t) => {
  const dir = tempTree({
    '.clamprovisionignore': lines(
      '# comment',
      'data/',
      '*.log',
      '!keep.log',
      '/build',
      'docs/**/*.pdf',
      '!inventory.yml',
      '!.env.example',
      '!node_modules/kept.js',
    ),
    'app.py': 'x',
    'data/big.bin': 'x',
    'svc/data/big.bin': 'x',
    'svc/data.py': 'a file named data is not the directory data/',
    'run.log': 'x',
    'svc/debug.log': 'x',
    'keep.log': 'x',
    'build/out.o': 'x',
    'svc/build/kept.txt': 'only the top build is anchored',
    'docs/a/b/manual.pdf': 'x',
    'docs/index.md': 'x',
    'inventory.yml': 'the user wants this file on the server',
    '.env': 'x',
    '.env.example': 'x',
    'node_modules/kept.js': 'not re-included: its directory is left out',
  });
  t.deepEqual(listSourceFiles(dir), ['.env.example', 'app.py', 'docs/index.md', 'inventory.yml', 'keep.log', 'svc/build/kept.txt', 'svc/data.py']);
});

test('any other copied directory leaves out only version control data, caches and what its .clamprovisionignore says', (t) => {
  const dir = tempTree({
    ...BUILT_IN,
    'conf/app.ini': 'x',
    'conf/secret.key': 'x',
  });
  writeFileSync(path.join(dir, '.clamprovisionignore'), lines('*.key'));
  const uploaded = readLocalDirectory(dir, 'directory').filter((entry) => entry.type === 'file').map((entry) => entry.path);
  t.deepEqual(uploaded.sort(), [...Object.keys(SERVICE_ONLY), 'conf/app.ini'].sort());
});

test('the upload and the digest take the same files of a source holding every kind of exclusion', (t) => {
  const dir = tempTree({
    ...KEPT,
    ...BUILT_IN,
    '.clamprovisionignore': lines('data/', '*.log', '!hosts.yml'),
    'data/big.bin': 'x',
    'svc/run.log': 'x',
  });
  symlinkSync('svc.py', path.join(dir, 'svc', 'alias.py'));
  const uploaded = readLocalDirectory(dir, 'service-source').filter((entry) => entry.type !== 'directory').map((entry) => entry.path);
  t.deepEqual(uploaded.sort(), listSourceFiles(dir));
  t.deepEqual(listSourceFiles(dir), [...keptFiles, 'hosts.yml', 'svc/alias.py'].sort());
});

test('a change to a left-out file keeps the digest; a change to a kept file changes it', (t) => {
  const dir = tempTree({ ...KEPT, ...BUILT_IN, '.clamprovisionignore': lines('*.log'), 'run.log': 'x' });
  const before = sourceDigest(dir);
  // the ignore file itself is left alone: a change to it may change what is kept
  for (const file of [...Object.keys(BUILT_IN).filter((file) => file !== '.clamprovisionignore'), 'run.log']) writeFileSync(path.join(dir, file), '# a changed comment\n');
  mkdirSync(path.join(dir, 'node_modules', 'new'));
  writeFileSync(path.join(dir, 'node_modules', 'new', 'index.js'), 'x');
  writeFileSync(path.join(dir, 'answers.json.swp'), 'x');
  t.is(sourceDigest(dir), before);
  writeFileSync(path.join(dir, 'svc', 'svc.config.yml'), 'root: /data # changed\n');
  t.not(sourceDigest(dir), before);
});

test('an unreadable .clamprovisionignore is bad input naming the file, not an empty rule set', (t) => {
  const dir = tempTree({ 'app.py': 'x', '.clamprovisionignore/oops': 'a directory' });
  const error = t.throws(() => listSourceFiles(dir), { instanceOf: InputError });
  t.is(error.message, `cannot read ${path.join(dir, '.clamprovisionignore')}: EISDIR`);
});
