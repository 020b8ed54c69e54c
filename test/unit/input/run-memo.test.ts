import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { listSourceFiles, sourceDigest } from '../../../src/clam/source-tree.js';
import { memoizedInRun, withRunMemo } from '../../../src/input/run-memo.js';
import { renderTemplateFile } from '../../../src/modules/lib/render.js';
import { tempTree } from './temp-files.js';

test('inside a run a value is computed once per key, a thrown error too; outside, every call computes', (t) => {
  let calls = 0;
  const count = () => ++calls;
  withRunMemo(() => {
    t.is(memoizedInRun('a', count), 1);
    t.is(memoizedInRun('a', count), 1);
    t.is(memoizedInRun('b', count), 2);
    withRunMemo(() => t.is(memoizedInRun('a', count), 1, 'a nested run shares the outer one'));
    let failures = 0;
    const fail = () => {
      failures++;
      throw new Error('unreadable');
    };
    t.throws(() => memoizedInRun('c', fail), { message: 'unreadable' });
    t.throws(() => memoizedInRun('c', fail), { message: 'unreadable' });
    t.is(failures, 1);
  });
  t.is(memoizedInRun('a', count), 3);
  t.is(memoizedInRun('a', count), 4);
  withRunMemo(() => t.is(memoizedInRun('a', count), 5, 'a new run starts afresh'));
});

test("a service's source is walked once per run; a file added between runs is seen by the next", (t) => {
  const dir = tempTree({ 'app.wsgi': 'application = None\n' });
  const first = withRunMemo(() => {
    const files = listSourceFiles(dir);
    const digest = sourceDigest(dir);
    writeFileSync(path.join(dir, 'more.py'), 'x = 1\n');
    t.deepEqual(listSourceFiles(dir), files, 'one run sees one source');
    t.is(sourceDigest(dir), digest);
    return digest;
  });
  withRunMemo(() => {
    t.deepEqual(listSourceFiles(dir), ['app.wsgi', 'more.py']);
    t.not(sourceDigest(dir), first);
  });
});

test('an included template edited between renders is rendered as it now reads (compiled includes are kept by content)', (t) => {
  const dir = tempTree({ 'main.ejs': "<%- include('part.ejs') %>", 'part.ejs': 'one <%= name %>\n' });
  const main = path.join(dir, 'main.ejs');
  t.is(withRunMemo(() => renderTemplateFile(main, { name: 'a' })), 'one a\n');
  t.is(withRunMemo(() => renderTemplateFile(main, { name: 'b' })), 'one b\n');
  writeFileSync(path.join(dir, 'part.ejs'), 'two <%= name %>\n');
  t.is(withRunMemo(() => renderTemplateFile(main, { name: 'c' })), 'two c\n');
  t.is(renderTemplateFile(main, { name: 'd' }), 'two d\n', 'outside a run too');
});
