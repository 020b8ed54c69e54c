/**
 * Issue 16, build points 1 and 2: access control at the webserver (`auth`), in every webserver mode.
 * One lab host per mode (booted together, deployed concurrently) with the hello example, which here
 * also prints the user the webserver passed on:
 * - `hello`: users and allow_from (the controller's bridge address) and a public path;
 * - `walled`: allow_from without the controller's address.
 * Per mode: 401 without or with a wrong password, 200 with the right one and the user in
 * X-Remote-User (a client's own header not believed), 200 on the public path without credentials;
 * 403 from an address outside allow_from, even with the right password; a changed password changes
 * the htpasswd file and nothing else (no reload, no restart: the webservers read it per request) and
 * the old password gets 401; a second apply changes nothing; no password or hash in the output of
 * `apply --json --diff -v`.
 *
 * Issue 16, must-show 1 and 2 for CLAM, in every mode (one more service on each host): examples/shout
 * under /shout behind `auth.users` (alice, bob), with the settings the README gives for trusting the
 * webserver's users (PREAUTHHEADER = "X-Remote-User"). CLAM's own Python client
 * runs a job with alice's credentials and CLAM names alice as the project's user; without credentials or
 * with a wrong password the client gets 401. A user's project stays filed under the user when CLAM restarts. A client's own X-Remote-User is not believed: with other
 * credentials CLAM sees the webserver's user, and on a public path that reaches CLAM it sees none (401).
 */
import test, { type ExecutionContext } from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { BRIDGE_ADDRESS } from '../lab/state.js';
import { startCli, type CliRun } from '../helpers/cli.js';
import { testTempDir } from '../helpers/temp-dir.js';
import { changedTasks, explain, hello, helloSource, httpGet, onHost, writeInventory } from './helpers.js';
import { checkClamJob, shout, shoutCopy } from './clam-suite.js';
import { ClamJobError, runClamJob } from '../lab/clam-client.js';

type Mode = 'nginx' | 'apache-uwsgi' | 'apache-wsgi';
const MODES: Array<{ mode: Mode; host: string }> = [
  { mode: 'nginx', host: 'e2e-auth-nginx' },
  { mode: 'apache-uwsgi', host: 'e2e-auth-ap-uwsgi' },
  { mode: 'apache-wsgi', host: 'e2e-auth-ap-wsgi' },
];
// not named *PASSWORD*: clamprovision must know them as secrets from `auth` alone
const FIRST = 'first-Pw-4096-x';
const SECOND = 'second-Pw-8192-y';
const WRONG = 'wrong-Pw-1024-z';
const BOB = 'bob-Pw-2048-w';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

/** hello, printing the user the webserver authenticated (X-Remote-User and REMOTE_USER). */
function helloWithUser(): string {
  const dir = join(testTempDir('auth-source'), 'hello');
  cpSync(helloSource, dir, { recursive: true });
  const script = join(dir, 'hello.wsgi');
  const printed = readFileSync(script, 'utf8').replace(
    '    data = ',
    '    lines.append("USER=" + environ.get("HTTP_X_REMOTE_USER", "-") + " " + environ.get("REMOTE_USER", "-"))\n    data = ',
  );
  if (!printed.includes('USER=')) throw new Error('hello.wsgi changed: the test cannot make it print the user');
  writeFileSync(script, printed);
  return dir;
}

const source = labAvailable ? helloWithUser() : '';

/** examples/shout with the settings the README gives for a CLAM service that trusts the webserver's users. */
function shoutTrustingTheWebserver(): string {
  return shoutCopy({ 'shout.py': (settings) => `${settings}\nPREAUTHHEADER = "X-Remote-User"\nUSERS = None\n` });
}

const shoutSource = labAvailable ? shoutTrustingTheWebserver() : '';

interface Deployment {
  mode: Mode;
  host: LabHost;
  /** the password the last apply gave alice */
  password: string;
  last: Promise<unknown>;
}

function inventoryOf(d: Deployment): string {
  return writeInventory([d.host], {
    webserver: d.mode,
    firewall: false,
    // CLAM announces http://server_name/shout, which its client then follows
    server_name: d.host.address,
    services: [
      hello('hello', '/hello', {
        source,
        auth: { users: { alice: '${AUTH_TEST_ALICE}' }, allow_from: [`${BRIDGE_ADDRESS}/32`], public: ['/hello/open'] },
      }),
      hello('walled', '/walled', { source, auth: { users: { alice: '${AUTH_TEST_ALICE}' }, allow_from: ['192.0.2.0/24'] } }),
      shout('shout', '/shout', {
        source: shoutSource,
        // /shout/forged: a path that reaches CLAM without the webserver's user
        auth: { users: { alice: '${AUTH_TEST_ALICE}', bob: '${AUTH_TEST_BOB}' }, public: ['/shout/static', '/shout/forged'] },
      }),
    ],
  });
}

function applyAuth(d: Deployment): Promise<CliRun> {
  return startCli(['apply', inventoryOf(d), '--json', '--diff', '-v'], { env: { ...process.env, AUTH_TEST_ALICE: d.password, AUTH_TEST_BOB: BOB }, timeoutMs: 30 * 60_000 }).done;
}

/** Neither password nor a bcrypt hash in anything the CLI printed. */
function assertNoSecret(t: ExecutionContext, run: CliRun): void {
  for (const hidden of [FIRST, SECOND, BOB, '$2y$', '$2b$']) t.false(`${run.stdout}\n${run.stderr}`.includes(hidden), `the output shows ${hidden}`);
}

function basic(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

const deployments = new Map<Mode, Promise<{ d: Deployment; first: CliRun }>>();
if (labAvailable) {
  const hosts = labHosts(MODES.map((entry) => entry.host), { fresh: true });
  hosts.catch(() => {});
  MODES.forEach(({ mode }, index) => {
    const deployment = hosts.then(async (booted) => {
      const d: Deployment = { mode, host: booted[index]!, password: FIRST, last: Promise.resolve() };
      const first = await applyAuth(d);
      if (first.code !== 0) throw new Error(`first apply in ${mode} failed: ${explain(first)}`);
      return { d, first };
    });
    deployment.catch(() => {});
    deployments.set(mode, deployment);
  });
}

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(MODES.map((entry) => entry.host));
});

/** A test of one mode, after the mode's earlier tests (the host is shared; the modes run side by side). */
function modeTest(title: string, mode: Mode, body: (t: ExecutionContext, d: Deployment, first: CliRun) => Promise<void>): void {
  test(`${mode}: ${title}`, (t) => {
    t.timeout(40 * 60_000);
    return deployments.get(mode)!.then(({ d, first }) => {
      const run = d.last.then(() => body(t, d, first));
      d.last = run.catch(() => {});
      return run;
    });
  });
}

for (const { mode } of MODES) {
  modeTest('no credentials 401, a wrong password 401, the right one 200 with the user in X-Remote-User; a public path needs none', mode, async (t, d, first) => {
    assertNoSecret(t, first);
    t.true(changedTasks(first, d.host.name).includes('Webserver users of hello'));
    const url = `http://${d.host.address}/hello/x`;
    const none = await httpGet(url);
    t.is(none.status, 401);
    t.regex(none.headers.get('www-authenticate') ?? '', /^Basic realm="hello"/);
    t.is((await httpGet(url, 10_000, basic('alice', WRONG))).status, 401);
    t.is((await httpGet(url, 10_000, basic('mallory', FIRST))).status, 401);
    const right = await httpGet(url, 10_000, { ...basic('alice', FIRST), 'X-Remote-User': 'admin' });
    t.is(right.status, 200);
    t.is(right.body, 'SCRIPT_NAME=/hello\nPATH_INFO=/x\nUSER=alice alice\n', "the webserver's user, not the client's header");
    const open = await httpGet(`http://${d.host.address}/hello/open/page`, 10_000, { 'X-Remote-User': 'admin', ...basic('admin', 'x') });
    t.is(open.status, 200);
    t.is(open.body, 'SCRIPT_NAME=/hello\nPATH_INFO=/open/page\nUSER=- -\n', 'no user on a public path, whatever the client sends');
    t.is((await httpGet(`http://${d.host.address}/hello/opener`)).status, 401, 'a public path does not open its siblings');
    t.is(await onHost(d.host, 'stat -c "%a %U %G" /etc/clam/hello/htpasswd'), '640 root www-data');
  });

  clamTests(mode);

  modeTest('allow_from without the address of the controller: 403, also with the right password', mode, async (t, d) => {
    const url = `http://${d.host.address}/walled/`;
    t.is((await httpGet(url)).status, 403);
    t.is((await httpGet(url, 10_000, basic('alice', FIRST))).status, 403);
  });

  modeTest('a changed password changes the htpasswd file only (nothing reloads or restarts); the old one gets 401; a second apply changes nothing', mode, async (t, d) => {
    const line = (name: string) => onHost(d.host, `grep '^alice:' /etc/clam/${name}/htpasswd`);
    const walledBefore = await line('walled');
    d.password = SECOND;
    const changed = await applyAuth(d);
    t.is(changed.code, 0, explain(changed));
    assertNoSecret(t, changed);
    const withUsers = ['hello', 'walled', 'shout'];
    t.deepEqual(changedTasks(changed, d.host.name).sort(), withUsers.map((name) => `Webserver users of ${name}`).sort());
    const url = `http://${d.host.address}/hello/x`;
    t.is((await httpGet(url, 10_000, basic('alice', FIRST))).status, 401, 'the old password is refused at once');
    t.is((await httpGet(url, 10_000, basic('alice', SECOND))).status, 200);
    t.not(await line('walled'), walledBefore);

    const again = await applyAuth(d);
    t.is(again.code, 0, explain(again));
    assertNoSecret(t, again);
    t.deepEqual(changedTasks(again, d.host.name), [], 'the same password: every line kept');
  });
}

function xml(user: string, password: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Accept: 'application/xml', ...basic(user, password), ...extra };
}

async function request(method: 'PUT' | 'DELETE', url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { method, headers, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

/** The user CLAM names in its answer, and the projects it lists. */
function clamView(body: string): { user: string | undefined; projects: string[] } {
  const user = /<clam\b[^>]*\buser="([^"]*)"/.exec(body)?.[1];
  const projects = [...body.matchAll(/<project\b[^>]*>([^<]*)<\/project>/g)].map((match) => match[1]!);
  return { user, projects };
}

/** CLAM (examples/shout, PREAUTHHEADER = "X-Remote-User") behind the webserver's users. */
function clamTests(mode: Mode): void {
  modeTest("CLAM's client runs a job with credentials and CLAM names the webserver's user; without them, or with a wrong password, 401", mode, async (t, d) => {
    const base = `http://${d.host.address}/shout`;
    const job = await checkClamJob(t, base, { user: 'alice', password: d.password });
    t.is(job.user, 'alice', "CLAM's user is the one the webserver authenticated");
    for (const credentials of [undefined, { user: 'alice', password: WRONG }]) {
      const refused = await t.throwsAsync(runClamJob(`${base}/`, { filename: 'a.txt', content: 'a\n' }, { credentials }), { instanceOf: ClamJobError });
      t.regex(refused?.result?.error ?? '', /^AuthRequired/, `the client is refused (${credentials ? 'wrong password' : 'no credentials'})`);
    }
    const none = await httpGet(`${base}/`, 10_000, { Accept: 'application/xml' });
    t.is(none.status, 401);
    t.regex(none.headers.get('www-authenticate') ?? '', /^Basic realm="shout"/, "the webserver's 401");
  });

  modeTest("CLAM believes the webserver's user, not a client's X-Remote-User (other credentials, wrong ones, a public path)", mode, async (t, d) => {
    const base = `http://${d.host.address}/shout`;
    const alice = { user: 'alice', password: d.password };
    // bob, claiming to be alice, creates a project: it is bob's
    t.is(await request('PUT', `${base}/bobsproject/`, xml('bob', BOB, { 'X-Remote-User': 'alice' })), 201);
    t.is(await onHost(d.host, 'ls /var/lib/clam/shout/projects/bob'), 'bobsproject');
    t.is(await onHost(d.host, 'test -e /var/lib/clam/shout/projects/alice/bobsproject && echo alice has it || echo no'), 'no');
    // CLAM moves every directory of projects/ into anonymous/ when a process starts and finds no
    // anonymous/: a restart (or a second process starting late) must not hide bob's project
    await onHost(d.host, d.mode === 'apache-wsgi' ? 'systemctl restart apache2' : 'systemctl restart clam-shout');
    for (let i = 0; i < 8; i++) t.is((await httpGet(`${base}/bobsproject/`, 10_000, xml('bob', BOB))).status, 200, `bob's project after a restart (request ${i + 1})`);
    t.is(await onHost(d.host, 'ls /var/lib/clam/shout/projects/bob; ls /var/lib/clam/shout/projects/anonymous'), 'bobsproject', 'still filed under bob; nothing under anonymous');
    const asBob = await httpGet(`${base}/`, 10_000, xml('bob', BOB, { 'X-Remote-User': 'alice' }));
    t.is(asBob.status, 200);
    t.deepEqual(clamView(asBob.body), { user: 'bob', projects: ['bobsproject'] });
    const asAlice = await httpGet(`${base}/`, 10_000, xml(alice.user, alice.password, { 'X-Remote-User': 'bob' }));
    t.deepEqual(clamView(asAlice.body), { user: 'alice', projects: [] }, "alice claiming to be bob sees none of bob's projects");
    const bobs = await httpGet(`${base}/bobsproject/`, 10_000, xml(alice.user, alice.password, { 'X-Remote-User': 'bob' }));
    t.is(bobs.status, 404);
    t.is(bobs.body, 'Project bobsproject was not found for user alice');
    // without the right password the header gets nowhere
    for (const headers of [{ 'X-Remote-User': 'bob' }, xml('bob', WRONG, { 'X-Remote-User': 'bob' })]) {
      t.is((await httpGet(`${base}/bobsproject/`, 10_000, headers)).status, 401);
    }

    // /shout/forged is public: the request reaches CLAM, with no user from the webserver and none from the
    // client (were the header believed, CLAM would answer for alice: 404, no such project)
    for (const headers of [{ 'X-Remote-User': 'alice' }, { X_Remote_User: 'alice' }, xml('alice', WRONG, { 'X-Remote-User': 'alice' })]) {
      const forged = await httpGet(`${base}/forged/`, 10_000, { Accept: 'application/xml', ...headers });
      t.is(forged.status, 401, `not believed: ${Object.keys(headers).join(', ')}`);
      t.is(forged.body, 'Unauthorized Access', "CLAM's own refusal: it got no user");
    }
    t.is((await httpGet(`${base}/forged/`, 10_000, xml(alice.user, alice.password))).status, 401, 'a public path carries no user, not even with credentials');

    t.is(await request('DELETE', `${base}/bobsproject/`, basic('bob', BOB)), 200);
  });
}
