import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { ModuleTask } from '../../../src/playbook/types.js';
import { examplesDir, helloService, repoRoot } from '../templates/render.js';
import type { AddressInfo } from 'node:net';
import { httpCheck } from '../../../src/modules/http-check.js';
import { describeScriptFailure } from '../../../src/modules/lib/service-logs.js';
import { testIf } from '../../helpers/precondition.js';
import { runOnFakeHostAsync, type FakeHost } from './fake-systemd.js';
import { assertParses, hostFacts } from './host-facts.js';

const context = { taskName: 'check', inHandler: false };

// the built-in playbook's vars_schema: clam comes from the CLAM plugin, as in the CLI
registerBuiltinPlugins();

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
    // the body is 1012 bytes: the error shows its first 300
    t.is(/body of 502 x*/.exec(failed.stderr)?.[0].length, 300, failed.stderr);
  } finally {
    server.close();
  }
});

// --- the logs of the service behind a URL that fails

/** A local server answering each path's number as its status; the check's script run against it on a stand-in host. */
async function checkOnFakeHost(paths: string[], input: Record<string, unknown>, host: FakeHost) {
  const server = createServer((request, response) => {
    const status = Number(request.url?.slice(1)) || 200;
    response.writeHead(status, { 'content-type': 'text/html' });
    response.end(`<html>${status}</html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const args = httpCheck.schema.parse({ urls: paths.map((path) => `http://127.0.0.1:${port}/${path}`), timeout: 5, ...input });
    const change = httpCheck.plan(args, hostFacts(), context)!;
    assertParses(change.script);
    const result = await runOnFakeHostAsync(change.script, host);
    return { ...result, error: describeScriptFailure(result) };
  } finally {
    server.close();
  }
}

const BOOM = 'Traceback (most recent call last):\n  File "/etc/clam/hello/app.wsgi", line 40, in <module>\nRuntimeError: boom\n';

test('a 502 (uWSGI down behind nginx): the error ends with the journal of the units, the cause and no boilerplate', async (t) => {
  const result = await checkOnFakeHost(['200', '502'], { units: ['clam-hello'] }, {
    active: { 'clam-hello': 'activating' },
    journals: { 'clam-hello': `Started clam-hello.service - CLAM webservice hello (uWSGI).\n${BOOM}clam-hello.service: Scheduled restart job, restart counter is at 3.\n` },
  });
  t.is(result.code, 1);
  t.regex(result.error, /^GET http:\/\/127\.0\.0\.1:\d+\/502: HTTP 502 \(expected below 500\)\n<html>502<\/html>\nclam-hello's journal, last lines:\n {2}Traceback \(most recent call last\):\n/);
  t.true(result.error.endsWith('\n  RuntimeError: boom\ncause: RuntimeError: boom'), result.error);
  t.notRegex(result.error, /Started|Scheduled restart/);
});

test('a 500 and no answer show the logs too; a 404 (the service answered) and a pass do not', async (t) => {
  const host: FakeHost = { journals: { 'clam-hello': BOOM } };
  t.deepEqual((await checkOnFakeHost(['500'], { units: ['clam-hello'] }, host)).journalctl, ['-q -u clam-hello -n 200 --no-pager -o cat']);
  const refused = httpCheck.plan(httpCheck.schema.parse({ urls: ['http://127.0.0.1:1/'], timeout: 5, units: ['clam-hello'] }), hostFacts(), context)!;
  const noAnswer = await runOnFakeHostAsync(refused.script, host);
  t.regex(describeScriptFailure(noAnswer), /HTTP 000 .*\n(.*\n)*clam-hello's journal, last lines:/);
  const notFound = await checkOnFakeHost(['404'], { units: ['clam-hello'], expect_below: 400 }, host);
  t.is(notFound.code, 1);
  t.deepEqual(notFound.journalctl, []);
  const fine = await checkOnFakeHost(['200'], { units: ['clam-hello'] }, host);
  t.is(fine.code, 0);
  t.is(fine.stderr, '');
  t.deepEqual(fine.calls, [], 'a passing check asks systemd nothing');
});

test('with mod_wsgi: the lines of Apache\'s error log of the service\'s daemon process group', async (t) => {
  const result = await checkOnFakeHost(['500'], { wsgi_process_groups: ['clam-hello'] }, {
    daemonPids: { 'clam-hello': [4242] },
    apacheErrorLog: [
      "[Tue Dec 01 05:00:00.1 2026] [wsgi:error] [pid 4242:tid 1] [remote 127.0.0.1:5] mod_wsgi (pid=4242): Failed to exec Python script file '/etc/clam/hello/app.wsgi'.",
      '[Tue Dec 01 05:00:00.1 2026] [wsgi:error] [pid 4242:tid 1] [remote 127.0.0.1:5] Traceback (most recent call last):',
      "[Tue Dec 01 05:00:00.1 2026] [wsgi:error] [pid 4242:tid 1] [remote 127.0.0.1:5] ModuleNotFoundError: No module named 'frog'",
      '[Tue Dec 01 05:00:00.1 2026] [core:notice] [pid 1:tid 1] AH00094: Command line: \'/usr/sbin/apache2\'',
      '',
    ].join('\n'),
  });
  t.is(result.code, 1);
  t.true(
    result.error.endsWith(
      [
        "Apache's error log (/var/log/apache2/error.log) for clam-hello, last lines:",
        "  mod_wsgi (pid=4242): Failed to exec Python script file '/etc/clam/hello/app.wsgi'.",
        '  Traceback (most recent call last):',
        "  ModuleNotFoundError: No module named 'frog'",
        "cause: ModuleNotFoundError: No module named 'frog'",
        'hint: add frog to pip_packages, or put its directory on PYTHONPATH',
      ].join('\n'),
    ),
    result.error,
  );
  t.deepEqual(result.journalctl, [], 'no journal without units');
});

test('units and process groups are names, not shell', (t) => {
  t.false(httpCheck.schema.safeParse({ urls: ['http://127.0.0.1/'], units: ['x; rm -rf /'] }).success);
  t.false(httpCheck.schema.safeParse({ urls: ['http://127.0.0.1/'], wsgi_process_groups: ["a'b"] }).success);
  t.like(httpCheck.schema.parse({ urls: ['http://127.0.0.1/'] }), { units: [], wsgi_process_groups: [] });
});

/** Runs the check of `url` with this Host header, with PATH holding only the fetchers named (the others are hidden). */
async function hostSeen(fetcher: 'curl' | 'python3' | 'wget', hostHeader: string | undefined): Promise<{ code: number; hosts: string[] }> {
  const { mkdtempSync, symlinkSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const hosts: string[] = [];
  const server = createServer((request, response) => {
    hosts.push(request.headers.host ?? '');
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const bin = mkdtempSync(join(tmpdir(), 'http-check-bin-'));
  // found without blocking: the other tests' servers share this event loop (a blocking lookup of
  // python3 on a busy machine held their curl past its timeout: HTTP 000)
  for (const tool of ['sh', 'mktemp', 'rm', 'head', 'sed', 'tail', 'cat', fetcher]) symlinkSync(await whereIsAsync(tool), join(bin, tool));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x/`;
    const change = httpCheck.plan(httpCheck.schema.parse({ urls: [url], timeout: 5, ...(hostHeader ? { host_header: hostHeader } : {}) }), hostFacts(), context)!;
    const code = await new Promise<number>((resolve) => {
      const child = spawn(join(bin, 'sh'), ['-s'], { stdio: ['pipe', 'ignore', 'ignore'], env: { PATH: bin } });
      child.on('close', (status) => resolve(status ?? 128));
      child.stdin.end(change.script);
    });
    return { code, hosts };
  } finally {
    server.close();
  }
}

for (const fetcher of ['curl', 'python3', 'wget'] as const) {
  const available = (() => {
    try {
      whereIs(fetcher);
      return true;
    } catch {
      return false;
    }
  })();
  testIf(available, `${fetcher} is not installed`)(`the Host header is sent (server_name, not 127.0.0.1) with ${fetcher}`, async (t) => {
    const withHost = await hostSeen(fetcher, 'clam.example.org');
    t.is(withHost.code, 0);
    t.deepEqual(withHost.hosts, ['clam.example.org']);
    const without = await hostSeen(fetcher, undefined);
    t.regex(without.hosts[0] ?? '', /^127\.0\.0\.1:\d+$/);
  });
}

const run = promisify(execFile);

/** whereIs, without blocking the event loop. */
async function whereIsAsync(tool: string): Promise<string> {
  const { stdout } = tool === 'python3' ? await run('python3', ['-c', 'import sys; print(sys.executable)']) : await run('sh', ['-c', `command -v ${tool}`]);
  return stdout.trim();
}

/** The program itself (python3 through pyenv's shim is a script that needs more than this PATH). */
function whereIs(tool: string): string {
  if (tool === 'python3') return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
}

// Serial, so it runs before the others: compiling the playbook blocks this worker's event loop for
// seconds on a busy machine, and the other tests' HTTP servers live in it (their curl then timed out: HTTP 000)
test.serial('the built-in playbook checks the other services with Host: server_name; a header with a space or a newline is refused', (t) => {
  const playbook = loadPlaybook(join(repoRoot, 'playbooks', 'clam-webservice.yml'));
  const vars = { webserver: 'nginx', server_name: 'clam.example.org', services: [helloService('/hello')] };
  const play = compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars, inventoryDir: examplesDir });
  const check = play.tasks.find((task): task is ModuleTask => task.kind === 'module' && task.module.name === 'http_check');
  t.like(check?.args, { host_header: 'clam.example.org' });
  t.false(httpCheck.schema.safeParse({ urls: ['http://x/'], host_header: 'a b' }).success);
  t.false(httpCheck.schema.safeParse({ urls: ['http://x/'], host_header: 'a\nX-Injected: 1' }).success);
});
