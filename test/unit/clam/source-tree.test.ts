import test from 'ava';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { listSourceFiles } from '../../../src/clam/source-tree.js';
import { tempTree } from '../input/temp-files.js';

test('lists the files to upload, sorted, without VCS data and byte code, following symlinks', (t) => {
  const dir = tempTree({
    'src/b.py': 'b',
    'src/a.py': 'a',
    'src/__pycache__/a.cpython-311.pyc': 'x',
    'src/old.pyc': 'x',
    '.git/HEAD': 'ref',
    'app.wsgi': 'application = None',
    'shared/data.txt': 'd',
  });
  symlinkSync(path.join(dir, 'shared'), path.join(dir, 'linked'));
  symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
  t.deepEqual(listSourceFiles(dir), ['app.wsgi', 'linked/data.txt', 'shared/data.txt', 'src/a.py', 'src/b.py']);
});
