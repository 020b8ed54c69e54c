import { Writable } from 'node:stream';
import test from 'ava';
import type { HostResult } from '../../../src/engine/results.js';
import { ProgressDisplay } from '../../../src/report/progress.js';
import { renderHostReport, renderRecap } from '../../../src/report/text.js';

/** stderr as in CI: not a terminal; what is written is kept, colours removed. */
function pipe(): Writable & { isTTY: false; text(): string } {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  return Object.assign(stream, { isTTY: false as const, text: () => written.replace(/\x1b\[[0-9;]*m/g, '') });
}

const failed: HostResult = {
  name: 'web1',
  address: '192.0.2.11',
  status: 'failed',
  error: "task 'Health check' failed: http://web1/ answered 502",
  commands: 4,
  tasks: [{ name: 'Health check', module: 'http_check', status: 'failed', error: 'http://web1/ answered 502' }],
};
const unreachable: HostResult = { name: '192.0.2.10', address: '192.0.2.10', status: 'unreachable', error: 'connection refused by root@192.0.2.10:22', commands: 0, tasks: [] };
const fine: HostResult = { name: 'web2', address: 'web2', status: 'ok', commands: 3, tasks: [{ name: 'packages', module: 'apt', status: 'ok' }] };

async function progressWithoutTerminal(results: HostResult[]): Promise<string[]> {
  const stream = pipe();
  const progress = new ProgressDisplay('apply', false, stream as unknown as NodeJS.WriteStream);
  progress.start(results);
  // listr2 starts its tasks on a later turn; before that there is nothing to report to
  await new Promise((resolve) => setImmediate(resolve));
  for (const result of results) {
    progress.hostStep(result.name, 'connecting');
    for (const task of result.tasks) progress.taskFinished(result.name, task);
    progress.hostFinished(result);
  }
  await progress.stop();
  return stream.text().trimEnd().split('\n');
}

test('without a terminal, a failed or unreachable host ends with one line that says why once', async (t) => {
  const lines = await progressWithoutTerminal([failed, unreachable, fine]);
  const last = (label: string) => lines.filter((line) => line.includes(`${label}: `)).at(-1)!;
  t.is(last('web1 (192.0.2.11)'), "✖ web1 (192.0.2.11): failed (ok=0 changed=0 failed=1 skipped=0): task 'Health check' failed: http://web1/ answered 502");
  t.is(last('192.0.2.10'), '✖ 192.0.2.10: unreachable (ok=0 changed=0 failed=0 skipped=0): connection refused by root@192.0.2.10:22');
  t.is(last('web2'), '✔ web2: ok (ok=1 changed=0 failed=0 skipped=0)');
  t.false(lines.some((line) => line.includes('[FAILED')), lines.join('\n'));
  t.is(lines.filter((line) => line.includes('connection refused')).length, 1);
  // the failed task's own line, and the host's
  t.deepEqual(lines.filter((line) => line.includes('answered 502')), ['› web1: Health check: failed: http://web1/ answered 502', last('web1 (192.0.2.11)')]);
});

test('the address follows the name in parentheses only when it is another: progress, report and recap', async (t) => {
  const progress = await progressWithoutTerminal([failed, unreachable, fine]);
  const report = renderHostReport([failed, unreachable, fine], 'apply', false).replace(/\x1b\[[0-9;]*m/g, '');
  const recap = renderRecap([failed, unreachable, fine], 'apply');
  for (const text of [progress.join('\n'), report, recap]) {
    t.regex(text, /web1 \(192\.0\.2\.11\): /);
    t.false(text.includes('192.0.2.10 (192.0.2.10)'), text);
    t.false(text.includes('web2 (web2)'), text);
  }
  t.true(report.split('\n').includes('192.0.2.10: unreachable: connection refused by root@192.0.2.10:22'));
  t.true(recap.split('\n').includes('web2: ok (ok=1 changed=0 failed=0 skipped=0)'));
  t.true(progress.includes('❯ 192.0.2.10: waiting'));
});
