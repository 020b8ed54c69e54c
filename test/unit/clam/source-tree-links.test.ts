/** Issue 14, defect 16: a source tree whose links lead back into it is refused at once, through the CLI too. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listSourceFiles, MAX_SOURCE_ENTRIES, SourceTreeError } from '../../../src/clam/source-tree.js';
import { tempTree } from '../input/temp-files.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

test('a link to the source itself or to a directory above the link is refused', (t) => {
  const dir = tempTree({ 'app.wsgi': 'application = None', 'pkg/mod.py': '' });
  symlinkSync('.', path.join(dir, 'loop'));
  t.throws(() => listSourceFiles(dir), { instanceOf: SourceTreeError, message: /symbolic link loop to a directory that contains it/ });

  const deeper = tempTree({ 'pkg/sub/mod.py': '' });
  symlinkSync('../..', path.join(deeper, 'pkg/sub/up'));
  t.throws(() => listSourceFiles(deeper), { message: /symbolic link pkg\/sub\/up / });
});

test('links that multiply a tree without a cycle stop at the bound', (t) => {
  const dir = tempTree(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`level0/f${i}`, ''])));
  // level N holds 50 links to level N-1: 50^4 paths, over 6 million
  for (let level = 1; level <= 3; level++) {
    mkdirSync(path.join(dir, `level${level}`));
    for (let i = 0; i < 50; i++) symlinkSync(path.join(dir, `level${level - 1}`), path.join(dir, `level${level}`, `l${i}`));
  }
  // CPU time, not wall time: the walk is bounded by the work it does, which a busy machine does not change
  const before = process.cpuUsage();
  t.throws(() => listSourceFiles(dir), { message: new RegExp(`more than ${MAX_SOURCE_ENTRIES} files`) });
  const { user, system } = process.cpuUsage(before);
  const cpuMs = Math.round((user + system) / 1000);
  t.true(cpuMs < 10_000, `took ${cpuMs} ms of CPU`);
  t.log(`${cpuMs} ms of CPU`);
});

test('validate points at the source of a service whose tree loops, in seconds', (t) => {
  const dir = tempTree({
    'inventory.yml': 'all:\n  hosts:\n    web1:\n      services:\n        - name: demo\n          source: ./demo\n          wsgi: demo.wsgi\n',
    'demo/demo.wsgi': 'application = None\n',
  });
  symlinkSync('.', path.join(dir, 'demo/a'));
  symlinkSync('.', path.join(dir, 'demo/b'));
  const result = spawnSync(process.execPath, [cli, 'validate', 'inventory.yml'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  t.is(result.status, 1, result.stderr);
  t.regex(result.stderr, /^error: inventory\.yml:6:19: .*source directory .* has a symbolic link a to a directory that contains it/m);
});
