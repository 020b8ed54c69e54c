import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpCheck } from '../../../src/modules/http-check.js';
import { hostFacts, runScript } from './host-facts.js';

const context = { taskName: 'check', inHandler: false };

test('a check is marked as such and needs no facts', (t) => {
  const args = httpCheck.schema.parse({ urls: ['http://127.0.0.1/x/'] });
  const change = httpCheck.plan(args, hostFacts(), context)!;
  t.true(change.check);
  t.deepEqual(change.summary, ['check http://127.0.0.1/x/ answers with a status below 500']);
  t.deepEqual(httpCheck.facts(args), []);
  t.false(httpCheck.schema.safeParse({ urls: ['ftp://x'] }).success);
});

test('the script passes on 200 and 401 and fails on 502 with the status and the start of the body', async (t) => {
  const server = createServer((request, response) => {
    const status = Number(request.url?.slice(1)) || 200;
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(`body of ${status} ${'x'.repeat(1000)}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const run = async (paths: string[]) => {
      const change = httpCheck.plan(httpCheck.schema.parse({ urls: paths.map((p) => `http://127.0.0.1:${port}/${p}`), timeout: 5 }), hostFacts(), context)!;
      const { spawn } = await import('node:child_process');
      return new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('close', (code) => resolve({ code: code ?? 128, stderr }));
        child.stdin.end(change.script);
      });
    };
    t.is((await run(['200', '401'])).code, 0);
    const failed = await run(['200', '502']);
    t.is(failed.code, 1);
    t.regex(failed.stderr, /:\d+\/502: HTTP 502 \(expected below 500\)/);
    t.regex(failed.stderr, /body of 502 x+/);
    t.true(failed.stderr.length < 600, 'only the start of the body');
  } finally {
    server.close();
  }
  t.is(runScript('exit 0').code, 0);
});
