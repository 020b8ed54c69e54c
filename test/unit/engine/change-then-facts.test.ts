import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { changeThenFacts, splitChangeThenFacts } from '../../../src/engine/gather-facts.js';
import { file } from '../../../src/modules/file.js';
import type { ModuleDefinition } from '../../../src/modules/types.js';
import { script } from '../../../src/modules/lib/shell.js';
import type { ModuleTask } from '../../../src/playbook/types.js';
import { testTempDir } from '../../helpers/temp-dir.js';

/** A `file` task on PATH: its facts are that path's. */
function fileTask(path: string): ModuleTask {
  return { kind: 'module', name: path, module: file as ModuleDefinition<unknown>, args: file.schema.parse({ path, state: 'directory' }), when: undefined, scope: {}, notify: [], tags: [] };
}

function runSh(text: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('sh', ['-s', 'x'], { input: text, encoding: 'utf8' });
}

test('the facts read after a change in the same command are those of the host after it', (t) => {
  const dir = join(testTempDir('change-then-facts'), 'made');
  const combined = changeThenFacts(script(`mkdir -- '${dir}'`, `echo made >&2`), [fileTask(dir)]);
  const run = runSh(combined.script);
  t.is(run.status, 0);
  t.like(combined.read(run.stdout)?.files.get(dir), { exists: true, type: 'directory' });
});

test('a change that fails is the command\'s exit status and output, with no facts after it', (t) => {
  const combined = changeThenFacts(script('echo partial', 'false', 'echo never'), [fileTask('/')]);
  const run = runSh(combined.script);
  t.is(run.status, 1, 'set -e of the change holds in its subshell');
  t.is(run.stdout, 'partial\n');
  t.is(combined.read(run.stdout), undefined);
});

test('facts that cannot be read after a change that succeeded leave the change a success, with no facts', (t) => {
  const combined = changeThenFacts(script('exit 0'), [fileTask('/')]);
  t.is(combined.read('not facts\n'), undefined);
  t.is(combined.read('@@clamprovision-facts 1\n'), undefined, 'cut off before its end');
});

test('the change and the facts script are told apart again (the fake host runs them apart)', (t) => {
  const change = script('echo hi');
  const combined = changeThenFacts(change, [fileTask('/srv')]);
  const parts = splitChangeThenFacts(combined.script);
  t.is(parts?.change, change);
  t.true(parts!.facts.startsWith('{') && parts!.facts.includes(' /srv '));
  t.is(splitChangeThenFacts(change), undefined);
});
