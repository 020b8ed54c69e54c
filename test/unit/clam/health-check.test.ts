/**
 * clam_check (src/clam/health-check.ts): its plan, then its script run for real on this machine
 * against a local HTTP server that answers like CLAM, with /usr/bin/python3 as the virtualenv's
 * python and a stand-in CLAM package on the env file's PYTHONPATH.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import test from 'ava';
import { clamCheck, type ClamCheckArgs } from '../../../src/clam/health-check.js';
import { describeScriptFailure, splitLogs } from '../../../src/modules/lib/service-logs.js';
import { testIf } from '../../helpers/precondition.js';
import { tempTree } from '../input/temp-files.js';
import { runOnFakeHostAsync, uwsgiImportFailure, type FakeHost } from '../modules/fake-systemd.js';
import { hostFacts } from '../modules/host-facts.js';
import { examplesDir, hostVars, services, shoutService, writeEnvFile } from '../templates/render.js';
import { fakeClam, run } from './fake-clam.js';

const context = { taskName: 'check', inHandler: false };
const SYSTEM_PYTHON = '/usr/bin/python3';
const hasSystemPython = existsSync(SYSTEM_PYTHON);
/** A user whose group has its name, as the playbook's user clam: the import runs as that user. */
const serviceUser = ['clam', 'daemon', 'www-data', 'bin'].find((name) => spawnSync('id', ['-gn', name], { encoding: 'utf8' }).stdout?.trim() === name);
const withPython = testIf(hasSystemPython, `${SYSTEM_PYTHON} is not installed`);
// only root can run the import as the service user
const asRoot = testIf(
  hasSystemPython && process.getuid?.() === 0 && serviceUser !== undefined,
  `needs root, ${SYSTEM_PYTHON} and a user clam, daemon, www-data or bin whose group has its name`,
);

const SECRET = 'tok-5e3c7a1f9d2b';
const PUBLIC_URL = 'http://web1/shout';

/** The normalized Shout service (a secret in its env) and the clam_check arguments derived for it. */
function shout() {
  const vars = hostVars({ services: [shoutService('/shout', { env: { API_TOKEN: SECRET }, secrets: ['API_TOKEN'] })] });
  const checks = vars.clam_checks as Array<{ name: string; args: Record<string, unknown> }>;
  return { vars, service: services(vars)[0]!, args: checks[0]!.args };
}

test('plan: a check (never a change) that runs the virtualenv\'s python and carries no value of the service\'s env', (t) => {
  const { service, args } = shout();
  const parsed = clamCheck.schema.parse(args);
  t.deepEqual(clamCheck.facts(parsed), []);
  for (const facts of [hostFacts(), hostFacts({}, 'noble')]) {
    const change = clamCheck.plan(parsed, facts, context)!;
    t.true(change.check);
    t.deepEqual(change.summary, [
      `check ${PUBLIC_URL}/ answers as CLAM, announces that URL and serves its stylesheet`,
      'check the settings module of /opt/clam/shout/current/src/shout.wsgi imports for CLAM\'s dispatcher as clam',
    ]);
    t.true(change.script.includes('/opt/clam/shout/current/venv/bin/python3 -c '));
    t.true(change.script.includes('/etc/clam/shout/env'), 'the env file is read on the host');
    // (VIRTUAL_ENV, CLAMFORCEURL and PYTHONPATH are the venv, public_url and the WSGI script's directory)
    for (const name of ['API_TOKEN', 'CLAM_ROOT', 'CONFIGFILE', 'PATH']) {
      t.false(change.script.includes(service.env[name]!), `${name}'s value is not in the command line`);
    }
  }
});

test('a missing virtualenv is said in a sentence', async (t) => {
  const change = clamCheck.plan(clamCheck.schema.parse({ ...shout().args, venv: '/nonexistent/venv' }), hostFacts(), context)!;
  const result = await run('sh', ['-s'], { input: change.script });
  t.is(result.code, 1);
  t.is(result.stderr.trim(), "/nonexistent/venv/bin/python3 is missing: the service's virtualenv was not created");
});

// --- the script run for real

interface FakeClamSite {
  /** CLAM's base URL in its XML; the public URL unless given */
  baseurl?: string;
  /** the status of the stylesheet (200 unless given) */
  stylesheet?: number;
  /** the WSGI script; the example's shout.wsgi unless given */
  wsgi?: string;
  /** the settings module shout.py */
  settings?: string;
  /** the source directory on the env file's PYTHONPATH (true unless given) */
  sourceOnPythonPath?: boolean;
  /** answer the service's root with this redirect instead of CLAM's XML */
  redirectTo?: string;
  /** answer the service's root with this status (a webserver whose uWSGI is down) */
  rootStatus?: number;
  /** the check's arguments naming the service's logs */
  logs?: Partial<Pick<ClamCheckArgs, 'units' | 'wsgi_process_groups'>>;
  /** what systemctl and journalctl say on the host */
  host?: FakeHost;
}

/** A file tree's paths, modes and contents: to see that a check changed nothing. */
function snapshot(...roots: string[]): string[] {
  const entries: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    const content = stat.isFile() ? readFileSync(path, 'base64') : stat.isSymbolicLink() ? `-> ${readlinkSync(path)}` : '';
    entries.push(`${path} ${stat.mode.toString(8)} ${content}`);
    if (stat.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  for (const root of roots) walk(root);
  return entries;
}

/** Readable by the service user, as the deployed files are (temporary directories are 0700). */
function openUp(dir: string): string {
  chmodSync(dir, 0o755);
  return dir;
}

/** Runs clam_check's script against a local server answering like CLAM; what it printed and what the server saw. */
async function checkAgainst(site: FakeClamSite) {
  const requests: Array<{ path: string; host: string }> = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push({ path, host: request.headers.host ?? '' });
    const baseurl = site.baseurl ?? PUBLIC_URL;
    if (path === '/shout/' && site.rootStatus !== undefined) {
      response.writeHead(site.rootStatus, { 'content-type': 'text/html' });
      response.end(`<html><body>${site.rootStatus} Bad Gateway</body></html>`);
    } else if (path === '/shout/' && site.redirectTo !== undefined) {
      response.writeHead(302, { location: site.redirectTo });
      response.end();
    } else if (path === '/shout/') {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="${baseurl}/static/interface.xsl"?>\n` +
          `<clam xmlns:xlink="http://www.w3.org/1999/xlink" version="3.2" id="shout" name="Shout" baseurl="${baseurl}" authentication="none" user="anonymous">\n<status code="0" message="Ok"/>\n</clam>\n`,
      );
    } else if (path === '/shout/static/interface.xsl' && (site.stylesheet ?? 200) === 200) {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>\n');
    } else {
      response.writeHead(site.stylesheet ?? 404, { 'content-type': 'text/html' });
      response.end('<h1>Not Found</h1>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { vars, service, args } = shout();
    const source = openUp(tempTree({ 'shout.py': site.settings ?? 'SYSTEM_ID = "shout"\n' }));
    if (site.wsgi === undefined) copyFileSync(join(examplesDir, 'shout', 'shout.wsgi'), join(source, 'shout.wsgi'));
    else writeFileSync(join(source, 'shout.wsgi'), site.wsgi);
    const venv = openUp(tempTree({}));
    mkdirSync(join(venv, 'bin'));
    symlinkSync(SYSTEM_PYTHON, join(venv, 'bin', 'python3'));
    const clam = openUp(fakeClam());
    const pythonPath = [clam, ...(site.sourceOnPythonPath === false ? [] : [source])].join(':');
    const envFile = writeEnvFile(vars, { ...service, env: { ...service.env, PYTHONPATH: pythonPath } });
    const checked = clamCheck.schema.parse({
      ...args,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/shout/`,
      venv,
      env_file: envFile,
      wsgi: join(source, 'shout.wsgi'),
      user: serviceUser ?? 'clam',
      timeout: 10,
      ...site.logs,
    } satisfies Partial<ClamCheckArgs>);
    const before = snapshot(source, venv, clam, dirname(envFile));
    const result = await runOnFakeHostAsync(clamCheck.plan(checked, hostFacts(), context)!.script, site.host);
    const unchanged = JSON.stringify(snapshot(source, venv, clam, dirname(envFile))) === JSON.stringify(before);
    // the check's own sentences; the logs it printed are in `error`, as the host's error shows them
    const problems = splitLogs(result.stderr).parts.filter((part): part is string => typeof part === 'string' && part !== '');
    return { ...result, problems, error: describeScriptFailure(result), requests, args: checked, unchanged };
  } finally {
    server.close();
  }
}

const baseUrlProblem = (problems: string[]) => problems.filter((line) => line.includes('announces its base URL'));

asRoot('CLAM announcing its public URL, its stylesheet served, the settings module importable as the service user: exit 0, nothing changed', async (t) => {
  const result = await checkAgainst({});
  t.is(result.code, 0, result.stderr);
  t.deepEqual(result.problems, []);
  t.deepEqual(result.requests, [
    { path: '/shout/', host: 'web1' },
    { path: '/shout/static/interface.xsl', host: 'web1' },
  ], 'the root and the stylesheet, asked with Host: server_name');
  t.true(result.unchanged, 'the check changed no file');
});

asRoot('the settings module not importable for CLAM\'s dispatcher: exit 1 naming the module, the user, the env file and the error', async (t) => {
  const broken = await checkAgainst({ settings: 'import no_such_dependency\n' });
  t.is(broken.code, 1);
  t.deepEqual(broken.problems, [
    `CLAM's dispatcher could not import the settings module 'shout' (as user ${serviceUser}, with ${broken.args.env_file}): ModuleNotFoundError: No module named 'no_such_dependency'`,
  ]);
  t.regex(broken.error, /\nthe import of 'shout' as CLAM's dispatcher does it, last lines:\n {2}Traceback \(most recent call last\):\n(.*\n)* {6}import no_such_dependency\n/);
  t.true(broken.error.endsWith("\ncause: ModuleNotFoundError: No module named 'no_such_dependency'\nhint: add no_such_dependency to pip_packages, or put its directory on PYTHONPATH"), broken.error);
  t.deepEqual(broken.journalctl, [], 'the page answers: the service\'s journal is not needed');
  // the source directory must be on the env file's PYTHONPATH: the dispatcher runs from CLAM's directory
  const elsewhere = await checkAgainst({ sourceOnPythonPath: false });
  t.is(elsewhere.code, 1);
  t.regex(elsewhere.problems.join('\n'), /could not import the settings module 'shout' .*: ModuleNotFoundError: No module named 'shout'$/);
});

withPython('CLAM announcing another base URL: exit 1, and the message names both URLs', async (t) => {
  const result = await checkAgainst({ baseurl: 'http://127.0.0.1:8888/shout' });
  t.is(result.code, 1);
  const [problem] = baseUrlProblem(result.problems);
  t.truthy(problem, result.stderr);
  t.true(problem!.includes('http://127.0.0.1:8888/shout') && problem!.includes(PUBLIC_URL), problem);
  t.false(result.requests.some((request) => request.path.includes('interface.xsl')), 'a stylesheet elsewhere is not fetched');
});

withPython('the stylesheet answering 404: exit 1, and the message names the stylesheet\'s URL', async (t) => {
  const result = await checkAgainst({ stylesheet: 404 });
  t.is(result.code, 1);
  t.deepEqual(baseUrlProblem(result.problems), []);
  const problem = result.problems.find((line) => line.includes(`${PUBLIC_URL}/static/interface.xsl`));
  t.truthy(problem, result.stderr);
  t.regex(problem!, /answers HTTP 404 \(text\/html\) instead of XML/);
});

withPython('a redirect instead of CLAM\'s page: exit 1, and the message names where it points', async (t) => {
  const result = await checkAgainst({ redirectTo: 'http://127.0.0.1/login' });
  t.is(result.code, 1);
  t.true(result.problems.some((line) => /HTTP 302, a redirect to http:\/\/127\.0\.0\.1\/login/.test(line)), result.stderr);
});

asRoot('CLAM\'s own form, run_wsgi(clam.config.NAME) after import clam.config.NAME: the dotted name is the settings module', async (t) => {
  const wrong = await checkAgainst({ wsgi: 'import clam.clamservice\nimport shout.nowhere\napplication = clam.clamservice.run_wsgi(shout.nowhere)\n' });
  t.is(wrong.code, 1);
  t.regex(wrong.problems.join('\n'), /could not import the settings module 'shout\.nowhere'/);
});

withPython('a WSGI script that does not call run_wsgi: exit 1, and the message says so', async (t) => {
  const result = await checkAgainst({ wsgi: 'import flask\n\napplication = flask.Flask(__name__)\n' });
  t.is(result.code, 1);
  t.deepEqual(result.problems, [`cannot tell CLAM's settings module from the WSGI script ${result.args.wsgi}: it does not call clam.clamservice.run_wsgi(MODULE)`]);
});

withPython('the page answering 502 (uWSGI down): exit 1, and the error holds the journal of the service\'s unit with the cause and a hint', async (t) => {
  const libxslt = 'ImportError: libxslt.so.1: cannot open shared object file: No such file or directory';
  const result = await checkAgainst({
    rootStatus: 502,
    logs: { units: ['clam-shout'] },
    host: { active: { 'clam-shout': 'activating' }, journals: { 'clam-shout': uwsgiImportFailure('clam-shout', [libxslt]) } },
  });
  t.is(result.code, 1);
  t.regex(result.problems[0]!, /^GET http:\/\/127\.0\.0\.1:\d+\/shout\/ \(Host: web1\): HTTP 502: <html><body>502 Bad Gateway<\/body><\/html>$/);
  t.deepEqual(result.journalctl, ['-q -u clam-shout -n 200 --no-pager -o cat']);
  t.regex(result.error, /\nclam-shout's journal, last lines:\n/);
  t.true(result.error.endsWith(`\n  *** no app loaded. GAME OVER ***\ncause: ${libxslt}\nhint: libxslt.so.1 is missing on the host; it comes with the Debian package libxslt1.1: install it with apt_packages: [libxslt1.1]`), result.error);
  t.notRegex(result.error, /the import of 'shout'/, 'a service that is down says it in its own journal');
});

withPython('with mod_wsgi the 500 of a failing script shows Apache\'s error log of the service\'s process group', async (t) => {
  const result = await checkAgainst({
    rootStatus: 500,
    logs: { wsgi_process_groups: ['clam-shout'] },
    host: { daemonPids: { 'clam-shout': [77] }, apacheErrorLog: '[Tue Dec 01 05:00:00.1 2026] [wsgi:error] [pid 77:tid 1] [remote 127.0.0.1:5] RuntimeError: boom from the wsgi\n' },
  });
  t.is(result.code, 1);
  t.true(result.error.includes("Apache's error log (/var/log/apache2/error.log) for clam-shout, last lines:\n  RuntimeError: boom from the wsgi\n"), result.error);
  t.deepEqual(result.journalctl, []);
});
