/**
 * The real CLAM (3.3.0, from the lab's index) deployed on one fresh lab host and used the way its
 * users use it: examples/shout twice, under /shout and at /, with server_name = the host's address
 * (so every URL CLAM announces is reachable from here). CLAM's own Python client runs jobs through
 * the webserver, a headless Chromium looks at the page, and the host is checked as its admin would.
 *
 * Each test file calls registerClamSuite() for one webserver mode (and may add tests of its own
 * after it: they run serially, after these).
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { runClamJob, type ClamJobResult } from '../lab/clam-client.js';
import { labAvailable, labHosts, labIndexTrustedHost, labUnavailableReason, stopLabHosts, type LabHost, type Suite } from '../lab/hosts.js';
import { browserAvailable, closeBrowser, openPage } from './browser.js';
import { apply, changedTasks, apacheMainPid, childPids, cli, explain, httpGet, mainPid, onHost, repoRoot, writeInventory, type CliRun } from './helpers.js';
import { testTempDir } from '../helpers/temp-dir.js';

export const shoutSource = `${repoRoot}/examples/shout`;

export type ClamWebserver = 'nginx' | 'apache-uwsgi' | 'apache-wsgi';

export interface ClamSuiteOptions {
  host: string;
  webserver: ClamWebserver;
  suite?: Suite;
  /** how Chromium gets the prefixed service's page: rendered by nginx, or XML + XSL it applies itself */
  browser?: 'server-rendered' | 'browser-xslt';
}

export interface ClamDeployment {
  host: LabHost;
  /** vars of the inventory the suite deploys; change a copy to write another inventory */
  vars: Record<string, unknown>;
  inventory: string;
  /** every apply and plan the suite ran, for checks on what the tool printed */
  runs: CliRun[];
}

/** The example as a service entry; the prefixed one takes its host from X-Forwarded-Host (CLAM's USE_FORWARDED_HOST). */
export function shout(name: string, urlPrefix: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, source: shoutSource, wsgi: 'shout.wsgi', url_prefix: urlPrefix, pip_packages: ['clam'], ...extra };
}

const INPUT = 'Hello, CLAM in production.\nA second line.\n';

/**
 * Runs a job with CLAM's client (with `credentials`, sent with HTTP Basic) and checks what a user of
 * the service would: its output, and that it only went where CLAM pointed. Returns what the client saw.
 */
export async function checkClamJob(t: ExecutionContext, baseUrl: string, credentials?: { user: string; password: string }): Promise<ClamJobResult> {
  const expected = baseUrl.replace(/\/$/, '');
  const job = await runClamJob(`${expected}/`, { filename: 'letter.txt', content: INPUT }, { credentials });
  t.is(job.announcedBaseUrl, expected, 'CLAM announces its public URL');
  t.is(job.status, 2, `the job is done: ${job.statusMessage}\n${job.errorlog}`);
  t.is(job.outputs['letter.shout.txt'], INPUT.toUpperCase());
  t.is(job.outputs['letter.stats'], 'lines\t2\nwords\t7\ncharacters\t42\n');
  t.true(job.urls.length > 3);
  const elsewhere = job.urls.filter((url) => !url.startsWith(`${expected}/`));
  t.deepEqual(elsewhere, [], 'every URL the client followed lies below the announced base URL');
  return job;
}

function baseUrlOf(xml: string): string | undefined {
  return /<clam\b[^>]*\bbaseurl="([^"]*)"/.exec(xml)?.[1];
}

/** The unit's MainPID for uWSGI modes; Apache's children for mod_wsgi (a reload or daemon restart replaces them). */
async function servingProcesses(deployment: ClamDeployment, webserver: ClamWebserver): Promise<unknown> {
  const { host } = deployment;
  if (webserver === 'apache-wsgi') {
    return { apache: await apacheMainPid(host), daemons: await onHost(host, "pgrep -f '^.wsgi:clam-' | sort -n | tr '\\n' ' '") };
  }
  const webserverPid = webserver === 'nginx' ? await mainPid(host, 'nginx') : await apacheMainPid(host);
  return {
    shout: await mainPid(host, 'clam-shout'),
    shoutroot: await mainPid(host, 'clam-shoutroot'),
    webserver: webserverPid,
    workers: await childPids(host, webserverPid),
  };
}

export function registerClamSuite(options: ClamSuiteOptions): { serial: typeof test.serial | typeof test.skip; deployment: () => ClamDeployment } {
  const serial = labAvailable ? test.serial : test.skip;
  if (!labAvailable) test.skip(labUnavailableReason, () => {});
  let deployment: ClamDeployment | undefined;
  const current = (): ClamDeployment => {
    if (!deployment) throw new Error('the lab host was not set up');
    return deployment;
  };

  test.before(async () => {
    if (!labAvailable) return;
    const [host] = await labHosts([options.host], { fresh: true, suite: options.suite });
    const vars = {
      webserver: options.webserver,
      server_name: host!.address,
      services: [shout('shout', '/shout', { env: { CLAM_USE_FORWARDED_HOST: 'true' } }), shout('shoutroot', '/')],
    };
    deployment = { host: host!, vars, inventory: writeInventory([host!], vars), runs: [] };
  });
  test.after.always(() => closeBrowser());
  // the host stops when this file is done: idle containers would slow the files still running
  test.after.always(async () => {
    if (labAvailable) await stopLabHosts([options.host]);
  });

  serial(`${options.webserver}: the first apply deploys CLAM under /shout and at / and passes its health checks`, async (t) => {
    const { inventory, runs } = current();
    const result = await apply(inventory);
    runs.push(result);
    t.is(result.code, 0, explain(result));
    const tasks = result.report?.hosts[0]?.tasks ?? [];
    const checks = tasks.filter((task) => task.module === 'clam_check');
    t.deepEqual(checks.map((task) => task.status), ['ok', 'ok'], 'both CLAM services were checked');
  });

  serial(`${options.webserver}: CLAM's client runs a job under /shout through the webserver`, async (t) => {
    await checkClamJob(t, `http://${current().host.address}/shout`);
  });

  serial(`${options.webserver}: CLAM's client runs a job at / through the webserver`, async (t) => {
    await checkClamJob(t, `http://${current().host.address}`);
  });

  serial(`${options.webserver}: the stylesheet CLAM names is served as XML by the webserver`, async (t) => {
    const { host } = current();
    const page = await httpGet(`http://${host.address}/shout/`, 10_000, { Accept: 'application/xml' });
    t.is(page.status, 200);
    const stylesheet = /<\?xml-stylesheet\b[^>]*\bhref="([^"]*)"/.exec(page.body)?.[1];
    t.is(stylesheet, `http://${host.address}/shout/static/interface.xsl`);
    const xsl = await httpGet(stylesheet!);
    t.is(xsl.status, 200);
    t.regex(xsl.headers.get('content-type') ?? '', /^application\/xml/);
    t.regex(xsl.body, /<xsl:stylesheet/);
  });

  serial(`${options.webserver}: forged X-Forwarded-Host and -Proto from a client do not reach CLAM`, async (t) => {
    const { host } = current();
    const forged = { Accept: 'application/xml', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' };
    // /shout has USE_FORWARDED_HOST on: CLAM builds its URLs from what the webserver forwards
    const prefixed = await httpGet(`http://${host.address}/shout/`, 10_000, forged);
    t.is(prefixed.status, 200);
    t.is(baseUrlOf(prefixed.body), `http://${host.address}/shout`);
    t.notRegex(prefixed.body, /evil\.example/);
    const root = await httpGet(`http://${host.address}/`, 10_000, forged);
    t.is(baseUrlOf(root.body), `http://${host.address}`);
  });

  if (options.browser) {
    const mode = options.browser;
    serial(`${options.webserver}: Chromium shows the service's page under /shout (${mode === 'server-rendered' ? 'HTML rendered by nginx' : 'XML + XSL applied by the browser'})`, async (t) => {
      if (!(await browserAvailable())) return t.fail("Chromium is not available (Debian's chromium package)");
      const { host } = current();
      const view = await openPage(`http://${host.address}/shout/`, {
        screenshot: `clam-${options.host}-${mode}.png`,
        waitForText: 'Project ID',
        acceptHtml: mode === 'server-rendered',
      });
      t.is(view.status, 200);
      t.regex(view.contentType, mode === 'server-rendered' ? /^text\/html/ : /xml/);
      t.is(view.title, 'Shout');
      t.regex(view.text, /Shout/);
      t.regex(view.text, /Start a new Project/);
      t.notRegex(view.text, /error loading stylesheet/i);
      t.deepEqual(view.failedRequests, [], 'every stylesheet, script and image loaded');
      t.deepEqual(view.consoleErrors, []);
    });
  }

  serial(`${options.webserver}: CLAM's SECRET_KEY file is generated on the host, 0640 root:clam, and never printed`, async (t) => {
    const { host, runs } = current();
    for (const name of ['shout', 'shoutroot']) {
      t.is(await onHost(host, `stat -c %U:%G:%a /etc/clam/${name}/clam-secrets`), 'root:clam:640');
      const content = await onHost(host, `cat /etc/clam/${name}/clam-secrets`);
      const key = /^SECRET_KEY="([0-9a-f]{64})"$/m.exec(content)?.[1];
      t.truthy(key, content.replace(/[0-9a-f]{16,}/g, '…'));
      for (const run of runs) t.false(run.stdout.includes(key!) || run.stderr.includes(key!), 'the key is not in the output');
    }
  });

  serial(`${options.webserver}: every process of the service signs upload tokens with the host's PRIVATEACCESSTOKEN`, async (t) => {
    const { host } = current();
    const project = `tokens${Date.now()}`;
    const url = `http://${host.address}/shout/${project}/`;
    const created = await fetch(url, { method: 'PUT', signal: AbortSignal.timeout(10_000) });
    t.true(created.ok, `PUT ${url}: HTTP ${created.status}`);
    const secrets = await onHost(host, 'cat /etc/clam/shout/clam-secrets');
    const privateToken = /^PRIVATEACCESSTOKEN="([0-9a-f]+)"$/m.exec(secrets)?.[1] ?? '';
    const expected = createHash('md5').update(`anonymous:${privateToken}:${project}`).digest('hex');
    // the webserver spreads these over the service's processes (2 of them)
    const tokens = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const page = await httpGet(url, 10_000, { Accept: 'application/xml' });
      tokens.add(/\baccesstoken="([^"]*)"/.exec(page.body)?.[1] ?? 'none');
    }
    t.deepEqual([...tokens], [expected]);
    await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
  });

  serial(`${options.webserver}: a second apply changes nothing and restarts nothing; plan then exits 0`, async (t) => {
    const deployed = current();
    const secretsBefore = await onHost(deployed.host, 'sha256sum /etc/clam/shout/clam-secrets');
    const before = await servingProcesses(deployed, options.webserver);
    const again = await apply(deployed.inventory);
    deployed.runs.push(again);
    t.is(again.code, 0, explain(again));
    t.deepEqual(changedTasks(again, options.host), []);
    t.deepEqual(await servingProcesses(deployed, options.webserver), before, 'no service, daemon or webserver was restarted or reloaded');
    t.is(await onHost(deployed.host, 'sha256sum /etc/clam/shout/clam-secrets'), secretsBefore, 'the secret key stays');
    const plan = await cli(['plan', deployed.inventory]);
    deployed.runs.push(plan);
    t.is(plan.code, 0, explain(plan));
  });

  serial(`${options.webserver}: with this machine in trusted_proxies, its X-Forwarded-Host and -Proto reach CLAM`, async (t) => {
    const deployed = current();
    // the lab's hosts see this machine at the bridge address
    const result = await apply(writeInventory([deployed.host], { ...deployed.vars, trusted_proxies: [`${labIndexTrustedHost()}/32`] }));
    deployed.runs.push(result);
    t.is(result.code, 0, explain(result));
    const forwarded = await httpGet(`http://${deployed.host.address}/shout/`, 10_000, { Accept: 'application/xml', 'X-Forwarded-Host': 'clam.example.org', 'X-Forwarded-Proto': 'https' });
    t.is(baseUrlOf(forwarded.body), 'https://clam.example.org/shout');
    const direct = await httpGet(`http://${deployed.host.address}/shout/`, 10_000, { Accept: 'application/xml' });
    t.is(baseUrlOf(direct.body), `http://${deployed.host.address}/shout`, 'without the headers: the public URL');
  });

  return { serial, deployment: current };
}

/** A copy of examples/shout in a temporary directory, with `changes` (file name -> new content). */
export function shoutCopy(changes: Record<string, (content: string) => string>): string {
  const dir = testTempDir('shout');
  cpSync(shoutSource, dir, { recursive: true });
  for (const [file, change] of Object.entries(changes)) writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));
  return dir;
}
