/**
 * Issue 7, point 7, at the CLI: every case of the bad-input corpus (test/fixtures/bad/) given to the
 * real `clamprovision validate` AND `plan` exits 1, prints the case's `file:line:col` and phrase on
 * stderr, prints no report on stdout, and contacts no host. "No host contacted" is checked, not
 * assumed: the CLI runs with a preload that records (and refuses) every outbound connection and DNS
 * lookup; a control test shows the preload does catch a plan that tries to connect.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pLimit from 'p-limit';

import { promisedCorpusSize } from './bad-input-promise.js';
import { testTempDir } from '../helpers/temp-dir.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = path.join(repoRoot, 'dist', 'cli.js');
const corpus = path.join(repoRoot, 'test', 'fixtures', 'bad');
const noopPlaybook = path.join(repoRoot, 'test', 'fixtures', 'faults', 'noop.yml');
const cases = readdirSync(corpus)
  .filter((name) => statSync(path.join(corpus, name)).isDirectory())
  .sort();

/**
 * What a user would notice: a typo reported after more than 2 s. Timed on one case, best of three,
 * before the corpus runs (serial tests come first), so the three parallel corpus runs do not load it;
 * the corpus runs themselves are not timed (under that load they took up to 7 s, and a bound loose
 * enough for it, 15 s, let a 10 s connect timeout pass unseen). Waiting for a host is caught anyway by
 * the network guard below.
 */
const NOTICEABLE_MS = 2_000;
/** Not 90 node processes at once. */
const slots = pLimit(3);

const work = testTempDir('bad-cli');
const guard = path.join(work, 'no-network.mjs');
writeFileSync(
  guard,
  `import net from 'node:net';
import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
const log = process.env.CLAMPROVISION_TEST_CONNECT_LOG;
function record(what) {
  if (log) appendFileSync(log, what + '\\n');
  throw new Error('test guard: no network allowed here (' + what + ')');
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const where = typeof first === 'object' && first !== null ? (first.path ?? first.host + ':' + first.port) : String(first) + ':' + String(args[1]);
  // a Unix socket (e.g. the ssh-agent) is local; only network connections are refused
  if (typeof first === 'object' && first !== null && first.path) return connect.apply(this, args);
  record('connect ' + where);
};
dns.lookup = (host) => record('dns lookup ' + host);
dns.promises.lookup = async (host) => record('dns lookup ' + host);
`,
);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** connection attempts the guard saw */
  contacted: string[];
}

function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return slots(() => runCliNow(args, cwd, env));
}

function runCliNow(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const log = path.join(mkdtempSync(path.join(work, 'run-')), 'connections.log');
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // An empty environment, as the corpus promises (`${NAME}` is never set), plus what node needs.
    const child = spawn(process.execPath, ['--import', pathToFileURL(guard).href, cliPath, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, CLAMPROVISION_TEST_CONNECT_LOG: log, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const contacted = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
      resolve({ code, stdout, stderr, ms: Date.now() - started, contacted });
    });
  });
}

test('control: the guard sees a plan that tries to connect (it would be unreachable, exit 4)', async (t) => {
  const dir = mkdtempSync(path.join(work, 'control-'));
  writeFileSync(path.join(dir, 'inventory.yml'), 'all:\n  hosts:\n    guard1: {ansible_host: 192.0.2.10, ansible_password: not-used}\n');
  const run = await runCli(['plan', 'inventory.yml', '--playbook', noopPlaybook, '--json'], dir);
  t.is(run.code, 4, run.stderr);
  t.true(run.contacted.some((line) => line.includes('192.0.2.10')), `guard log: ${run.contacted.join('; ')}`);
  const report = JSON.parse(run.stdout) as { hosts: Array<{ status: string }> };
  t.is(report.hosts[0]?.status, 'unreachable');
});

test.serial('a mistake is reported before a user would notice a wait: one case, best of three runs, under 2 s', async (t) => {
  const dir = path.join(corpus, cases[0]!);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const run = await runCli(['validate', 'inventory.yml'], dir);
    t.is(run.code, 1, run.stderr);
    times.push(run.ms);
  }
  t.true(Math.min(...times) < NOTICEABLE_MS, `took ${times.join(', ')} ms`);
});

test('the corpus has at least as many cases as the README says it shows', (t) => {
  const promised = promisedCorpusSize();
  t.true(cases.length >= promised, `${cases.length} cases; the README says the corpus shows ${promised}`);
});

for (const name of cases) {
  for (const command of ['validate', 'plan'] as const) {
    test(`${command} ${name}: exit 1 with file:line:col and the message, no host contacted`, async (t) => {
      const dir = path.join(corpus, name);
      const [where, phrase] = readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').map((line) => line.trim());
      t.truthy(where && phrase, 'expected.txt needs a position line and a phrase line');
      const limitFile = path.join(dir, 'limit.txt');
      const limit = existsSync(limitFile) ? ['--limit', readFileSync(limitFile, 'utf8').trim()] : [];
      // plan with --json: a run that got as far as hosts would print its report on stdout
      const run = await runCli([command, 'inventory.yml', ...limit, ...(command === 'plan' ? ['--json'] : [])], dir);
      const account = `exit ${run.code} after ${run.ms} ms\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`;
      t.is(run.code, 1, account);
      const errorLines = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
      const matching = errorLines.find((line) =>
        where === '--limit' ? line.startsWith('error: --limit: ') && line.includes(phrase!) : line.startsWith(`error: ${where}: `) && line.includes(phrase!),
      );
      t.truthy(matching, `expected "error: ${where}: …${phrase}…"\n${account}`);
      t.notRegex(run.stderr, /^\s+at /m, 'a stack trace is no message for a newcomer');
      t.notRegex(run.stdout, /"status"/, 'no host results: nothing ran');
      t.deepEqual(run.contacted, [], 'no connection or DNS lookup may be attempted');
    });
  }
}
