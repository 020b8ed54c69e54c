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
 */
import test, { type ExecutionContext } from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { BRIDGE_ADDRESS } from '../lab/state.js';
import { startCli, type CliRun } from '../helpers/cli.js';
import { testTempDir } from '../helpers/temp-dir.js';
import { changedTasks, explain, hello, helloSource, httpGet, onHost, writeInventory } from './helpers.js';

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
    services: [
      hello('hello', '/hello', {
        source,
        auth: { users: { alice: '${AUTH_TEST_ALICE}' }, allow_from: [`${BRIDGE_ADDRESS}/32`], public: ['/hello/open'] },
      }),
      hello('walled', '/walled', { source, auth: { users: { alice: '${AUTH_TEST_ALICE}' }, allow_from: ['192.0.2.0/24'] } }),
    ],
  });
}

function applyAuth(d: Deployment): Promise<CliRun> {
  return startCli(['apply', inventoryOf(d), '--json', '--diff', '-v'], { env: { ...process.env, AUTH_TEST_ALICE: d.password }, timeoutMs: 30 * 60_000 }).done;
}

/** Neither password nor a bcrypt hash in anything the CLI printed. */
function assertNoSecret(t: ExecutionContext, run: CliRun): void {
  for (const hidden of [FIRST, SECOND, '$2y$', '$2b$']) t.false(`${run.stdout}\n${run.stderr}`.includes(hidden), `the output shows ${hidden}`);
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
    t.deepEqual(changedTasks(changed, d.host.name).sort(), ['Webserver users of hello', 'Webserver users of walled']);
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
