import test from 'ava';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

/** madge's view of src (type imports included): file -> the files it imports, relative to src/. */
function madge(...flags: string[]): unknown {
  const output = execFileSync(join(repoRoot, 'node_modules', '.bin', 'madge'), ['--extensions', 'ts', '--ts-config', 'tsconfig.json', '--json', ...flags, 'src'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return JSON.parse(output);
}

test('src has no import cycle (npm run check:cycles)', (t) => {
  t.deepEqual(madge('--circular'), []);
});

test('the layers import downward only: facts, modules and transport know nothing of engine, commands or clam', (t) => {
  const graph = madge() as Record<string, string[]>;
  t.true(Object.keys(graph).length > 50, 'madge found the sources');
  t.true(graph['engine/host-run.ts']?.includes('engine/gather-facts.ts'), 'madge resolves .js imports to their .ts files');
  const upward = Object.entries(graph).flatMap(([file, imports]) =>
    ['facts', 'modules', 'transport'].includes(file.split('/')[0]!)
      ? imports.filter((target) => ['engine', 'commands', 'clam'].includes(target.split('/')[0]!)).map((target) => `${file} -> ${target}`)
      : [],
  );
  t.deepEqual(upward, []);
});
