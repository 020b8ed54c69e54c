/**
 * Issue 15, build points 1 and 2: a redeploy drops no request and kills no running CLAM job, in every
 * webserver mode. One lab host per mode (deployed concurrently), each with the hello example (under
 * load) and the real CLAM service examples/shout whose wrapper sleeps 30 s. Per mode, in order:
 * a code change, an env change, a uwsgi.ini change (processes/threads; with mod_wsgi the daemon
 * group's processes, which reloads Apache), a new uWSGI version, each applied while a steady load
 * runs against the host; every failed request is counted, and the new code/env answers afterwards.
 * Then (with uWSGI: nginx, apache-uwsgi) a CLAM job is started just before a redeploy of the
 * service's new code: it finishes and its output downloads.
 */
import test, { type ExecutionContext } from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClamJob, type ClamJobResult } from '../lab/clam-client.js';
import { labAvailable, labHosts, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { shoutSource } from './clam-suite.js';
import { changedTasks, explain, hello, helloSource, httpGet, onHost, writeInventory } from './helpers.js';
import { startCli, type CliRun } from '../helpers/cli.js';
import { startLoad, type LoadResult } from './load.js';
import { testTempDir } from '../helpers/temp-dir.js';

type Mode = 'nginx' | 'apache-uwsgi' | 'apache-wsgi';
const MODES: Array<{ mode: Mode; host: string }> = [
  { mode: 'nginx', host: 'e2e-zd-nginx' },
  { mode: 'apache-uwsgi', host: 'e2e-zd-apache-uwsgi' },
  { mode: 'apache-wsgi', host: 'e2e-zd-apache-wsgi' },
];
/** the least number of requests the load must have sent while each apply ran */
const MIN_REQUESTS = 500;
const PATH = '/hello/x';
const BASE_BODY = `SCRIPT_NAME=/hello\nPATH_INFO=/x\n`;

if (!labAvailable) test.skip(labUnavailableReason, () => {});

/** hello with a line of its own (new code), and shout whose wrapper sleeps 30 s (v1) and a v2 of it. */
function sources(): { helloV2: string; shoutV1: string; shoutV2: string } {
  const root = testTempDir('zd');
  const helloV2 = join(root, 'hello-v2');
  cpSync(helloSource, helloV2, { recursive: true });
  const script = join(helloV2, 'hello.wsgi');
  writeFileSync(script, readFileSync(script, 'utf8').replace('    data = ', '    lines.append("CODE=v2")\n    data = '));
  const shoutV1 = join(root, 'shout-v1');
  cpSync(shoutSource, shoutV1, { recursive: true });
  const wrapper = join(shoutV1, 'shout_wrapper.py');
  const sleeping = readFileSync(wrapper, 'utf8').replace(
    '    clam.common.status.write(statusfile, "Starting...")\n',
    '    clam.common.status.write(statusfile, "Starting...")\n    import time\n\n    time.sleep(30)  # a job that is still running when the redeploy restarts the service\n',
  );
  if (!sleeping.includes('time.sleep(30)')) throw new Error('shout_wrapper.py changed: the test cannot make its job sleep');
  writeFileSync(wrapper, sleeping);
  const shoutV2 = join(root, 'shout-v2');
  cpSync(shoutV1, shoutV2, { recursive: true });
  const settings = join(shoutV2, 'shout.py');
  writeFileSync(settings, readFileSync(settings, 'utf8').replace('SYSTEM_NAME = "Shout"', 'SYSTEM_NAME = "Shout v2"'));
  return { helloV2, shoutV1, shoutV2 };
}

const src = labAvailable ? sources() : { helloV2: '', shoutV1: '', shoutV2: '' };

interface Deployment {
  mode: Mode;
  host: LabHost;
  /** the hello service's settings as the last apply had them */
  hello: Record<string, unknown>;
  shout: Record<string, unknown>;
  /** each mode's tests run one after the other: the next waits for this */
  last: Promise<unknown>;
}

function inventoryOf(d: Deployment): string {
  return writeInventory([d.host], {
    webserver: d.mode,
    // CLAM announces URLs with this host: the test reaches them from here
    server_name: d.host.address,
    services: [hello('hello', '/hello', d.hello), { name: 'shout', wsgi: 'shout.wsgi', url_prefix: '/shout', pip_packages: ['clam'], ...d.shout }],
  });
}

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts(MODES.map((entry) => entry.host));
});

const deployments = new Map<Mode, Promise<Deployment>>();
if (labAvailable) {
  // one host per mode, booted together (one lab lock) and deployed concurrently
  const hosts = labHosts(MODES.map((entry) => entry.host), { fresh: true });
  hosts.catch(() => {});
  MODES.forEach(({ mode }, index) => {
    const deployment = hosts.then(async (booted) => {
      const d: Deployment = { mode, host: booted[index]!, hello: {}, shout: { source: src.shoutV1 }, last: Promise.resolve() };
      // compiling uWSGI and installing CLAM on three hosts at once: on a loaded CI machine, minutes
      const first = await startCli(['apply', inventoryOf(d), '--json'], { timeoutMs: 50 * 60_000 }).done;
      if (first.code !== 0) throw new Error(`first apply in ${mode} failed: ${explain(first)}`);
      return d;
    });
    deployment.catch(() => {});
    deployments.set(mode, deployment);
  });
}

/**
 * A test of one mode, run after the mode's earlier tests (the host is shared; the modes run side by
 * side). Its timeout covers the wait for the first deployment and the earlier tests: three CLAM
 * hosts deploying on a loaded machine take longer than ava's 10 minutes without a result.
 */
function modeTest(title: string, mode: Mode, body: (t: ExecutionContext, d: Deployment) => Promise<void>): void {
  test(`${mode}: ${title}`, (t) => {
    t.timeout(90 * 60_000);
    return deployments.get(mode)!.then((d) => {
      const run = d.last.then(() => body(t, d));
      d.last = run.catch(() => {});
      return run;
    });
  });
}

interface Redeploy {
  run: CliRun;
  load: LoadResult;
  /** requests sent while the apply ran */
  during: number;
}

/** Applies the deployment's current settings while a load runs against hello; the load goes on 2 s after. */
async function redeployUnderLoad(d: Deployment, accept: (body: string) => boolean): Promise<Redeploy> {
  const load = startLoad(`http://${d.host.address}${PATH}`, accept, { parallel: 4 });
  // the load runs before the apply starts, too
  while (load.count < 50) await new Promise((resolve) => setTimeout(resolve, 50));
  const before = load.count;
  const run = await startCli(['apply', inventoryOf(d), '--json'], { timeoutMs: 30 * 60_000 }).done;
  const during = load.count - before;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { run, load: await load.stop(), during };
}

function assertNoFailure(t: ExecutionContext, what: string, result: Redeploy): void {
  const { load } = result;
  t.log(`${what}: ${load.requests} requests (${result.during} while apply ran ${Math.round(result.run.ms / 1000)} s), ${load.failures.length} failed`);
  t.is(result.run.code, 0, explain(result.run));
  t.true(result.during >= MIN_REQUESTS, `only ${result.during} requests while the apply ran`);
  t.deepEqual(load.failures.slice(0, 10), [], `${load.failures.length} of ${load.requests} requests failed`);
}

const isHello = (body: string) => body.startsWith(BASE_BODY);

/** The uWSGI master of a unit, or for mod_wsgi the service's daemon processes. */
async function servingPids(d: Deployment): Promise<string> {
  if (d.mode === 'apache-wsgi') return onHost(d.host, "pgrep -f '^\\(wsgi:clam-hello\\)' | sort -n | tr '\\n' ' '");
  return onHost(d.host, 'systemctl show -p MainPID --value clam-hello');
}

for (const { mode } of MODES) {
  modeTest(`new code, 0 failed requests, the new code answers`, mode, async (t, d) => {
      d.hello = { source: src.helloV2 };
      const result = await redeployUnderLoad(d, isHello);
      assertNoFailure(t, 'code', result);
      t.true(changedTasks(result.run, d.host.name).includes('Upload the source of hello'));
      t.is((await httpGet(`http://${d.host.address}${PATH}`)).body, `${BASE_BODY}CODE=v2\n`);
      t.true((result.load.bodies.get(`${BASE_BODY}CODE=v2\n`) ?? 0) > 0, 'the load saw the new code');
  });

  modeTest(`new environment, 0 failed requests, the new env answers`, mode, async (t, d) => {
      d.hello = { ...d.hello, env: { GREETING: 'zero-downtime' } };
      const result = await redeployUnderLoad(d, isHello);
      assertNoFailure(t, 'env', result);
      t.true(changedTasks(result.run, d.host.name).includes('Environment of hello'));
      t.is((await httpGet(`http://${d.host.address}${PATH}`)).body, `${BASE_BODY}GREETING=zero-downtime\nCODE=v2\n`);
  });

  modeTest(`new processes and threads (uwsgi.ini; mod_wsgi's daemon group and an Apache reload), 0 failed requests`, mode, async (t, d) => {
      const before = await servingPids(d);
      d.hello = { ...d.hello, processes: 3, threads: 3 };
      const result = await redeployUnderLoad(d, isHello);
      assertNoFailure(t, 'uwsgi.ini', result);
      const changed = changedTasks(result.run, d.host.name);
      if (mode === 'apache-wsgi') {
        t.true(changed.includes('reload apache2'), changed.join('\n'));
        const daemons = (await servingPids(d)).split(' ').filter(Boolean);
        t.is(daemons.length, 3, `three daemon processes: ${daemons.join(' ')}`);
      } else {
        t.true(changed.includes('uWSGI configuration of hello'), changed.join('\n'));
        t.not(await servingPids(d), before, 'a new uWSGI runs');
        t.is(await onHost(d.host, `pgrep -c -P $(systemctl show -p MainPID --value clam-hello)`), '3', 'three workers');
      }
  });

  modeTest(`a new uWSGI version (2.0.28 -> 2.0.21 through pip_packages), 0 failed requests`, mode, async (t, d) => {
      const before = await servingPids(d);
      d.hello = { ...d.hello, pip_packages: ['uwsgi==2.0.21'] };
      const result = await redeployUnderLoad(d, isHello);
      assertNoFailure(t, 'uWSGI version', result);
      t.is(await onHost(d.host, '/opt/clam/hello/current/venv/bin/uwsgi --version'), '2.0.21');
      t.not(await servingPids(d), before, 'new processes serve');
      t.is((await httpGet(`http://${d.host.address}${PATH}`)).body, `${BASE_BODY}GREETING=zero-downtime\nCODE=v2\n`);
  });

  // Not with mod_wsgi: it replaces the daemon on the first request after the touch, which comes
  // only seconds after shout's pip task, before a job started then runs its tool (the apply ends
  // first, and the job's own first request restarts the daemon). That the tool outlives both the
  // daemon's replacement and Apache's graceful reload was checked by hand (issue 15's report).
  if (mode === 'apache-wsgi') continue;
  modeTest(`a CLAM job running during a redeploy with new code finishes and its output downloads`, mode, async (t, d) => {
      const baseUrl = `http://${d.host.address}/shout/`;
      const wrapperPids = async () => (await sshExec(d.host, "pgrep -f '^python3 .*[s]hout_wrapper.py' | tr '\\n' ' '")).stdout.trim();
      const serving = () =>
        d.mode === 'apache-wsgi' ? onHost(d.host, "pgrep -f '^\\(wsgi:clam-shout' | sort -n | tr '\\n' ' '") : onHost(d.host, 'systemctl show -p MainPID --value clam-shout');
      const before = await serving();
      d.shout = { source: src.shoutV2 };
      const apply = startCli(['apply', inventoryOf(d), '--json'], { timeoutMs: 30 * 60_000 });
      // The job starts once the new release is made current (building its virtualenv is the long
      // part of this apply), so that the restart, a few tasks later, comes while the job sleeps (on a
      // loaded machine the release's pip alone can outlast 30 s); the watch below proves they overlapped.
      while (!/Switch shout to release [0-9a-f]+: /.test(apply.stderrSoFar()) && apply.child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const job = runClamJob(baseUrl, { filename: 'letter.txt', content: 'Zero downtime.\n' }, { timeoutMs: 300_000 }).then(
        (result): ClamJobResult | Error => result,
        (error: Error) => error,
      );
      let wrapper = '';
      while (!wrapper && apply.child.exitCode === null) wrapper = await wrapperPids();
      t.log(`job's wrapper ${wrapper || '(not seen before the apply ended)'} runs`);
      // until the apply ends: is the wrapper still running after the service's processes changed?
      let overlapped = false;
      while (apply.child.exitCode === null) {
        const [now, running] = [await serving(), await wrapperPids()];
        if (now !== before && wrapper !== '' && running.split(' ').includes(wrapper.split(' ')[0]!)) overlapped = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const run = await apply.done;
      t.is(run.code, 0, explain(run));
      if (d.mode === 'apache-wsgi') {
        // mod_wsgi replaces the daemon process on its next request after the touch
        await httpGet(baseUrl);
        for (let i = 0; i < 50 && (await serving()) === before; i++) await new Promise((resolve) => setTimeout(resolve, 200));
        if ((await serving()) !== before && (await wrapperPids()).split(' ').includes(wrapper.split(' ')[0]!)) overlapped = true;
      }
      t.true(overlapped, `the service was restarted (${before} -> ${await serving()}) while the job's wrapper ${wrapper} ran`);
      const result = await job;
      if (result instanceof Error) return t.fail(`the job failed: ${result.message}`);
      t.is(result.status, 2, `the job is done: ${result.statusMessage}\n${result.errorlog}`);
      t.is(result.outputs['letter.shout.txt'], 'ZERO DOWNTIME.\n');
      t.is(result.outputs['letter.stats'], 'lines\t1\nwords\t2\ncharacters\t15\n');
      const xml = (await httpGet(baseUrl, 10_000, { Accept: 'application/xml' })).body;
      t.regex(xml, /<clam [^>]*name="Shout v2"/, 'the new code answers');
  });
}
