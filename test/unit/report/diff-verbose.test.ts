/**
 * The README's `--diff` (file diffs in apply too; plan always shows them) and `-v` (unchanged and
 * skipped tasks listed in the progress too), on the renderers the CLI hands them to
 * (src/commands/converge.ts).
 */
import { Writable } from 'node:stream';
import test from 'ava';
import type { HostResult } from '../../../src/engine/results.js';
import { ProgressDisplay } from '../../../src/report/progress.js';
import { renderHostReport } from '../../../src/report/text.js';

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

const DIFF = '--- /etc/app.ini\n+++ /etc/app.ini\n@@ -1 +1 @@\n-port = 1\n+port = 2\n';
const host: HostResult = {
  name: 'web1',
  address: 'web1',
  status: 'changed',
  commands: 4,
  tasks: [
    { name: 'packages', module: 'apt', status: 'ok' },
    { name: 'app ini', module: 'template', status: 'changed', summary: ['update /etc/app.ini'], diff: DIFF },
    { name: 'tls key', module: 'copy', status: 'skipped' },
  ],
};

test('--diff: apply shows the file diffs only with it; plan always shows them', (t) => {
  const diffLine = /^\s+\+port = 2$/m;
  t.notRegex(plain(renderHostReport([host], 'apply', false)), diffLine);
  t.regex(plain(renderHostReport([host], 'apply', true)), diffLine);
  t.regex(plain(renderHostReport([host], 'plan', false)), diffLine);
});

/** The progress lines without a terminal (as in CI), with or without -v. */
async function progressLines(verbose: boolean): Promise<string[]> {
  let written = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    }),
    { isTTY: false as const },
  );
  const progress = new ProgressDisplay('apply', verbose, stream as unknown as NodeJS.WriteStream);
  progress.start([host]);
  // listr2 starts its tasks on a later turn
  await new Promise((resolve) => setImmediate(resolve));
  for (const task of host.tasks) progress.taskFinished(host.name, task);
  progress.hostFinished(host);
  await progress.stop();
  return plain(written).split('\n');
}

test('-v: the progress lists unchanged and skipped tasks too; without it only the changes', async (t) => {
  const mentions = (lines: string[], task: string) => lines.some((line) => line.includes(`web1: ${task}:`));
  const quiet = await progressLines(false);
  t.true(mentions(quiet, 'app ini'), quiet.join('\n'));
  t.false(mentions(quiet, 'packages'), quiet.join('\n'));
  t.false(mentions(quiet, 'tls key'), quiet.join('\n'));
  const verbose = await progressLines(true);
  t.true(mentions(verbose, 'app ini'), verbose.join('\n'));
  t.true(mentions(verbose, 'packages'), verbose.join('\n'));
  t.true(mentions(verbose, 'tls key'), verbose.join('\n'));
});
