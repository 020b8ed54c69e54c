/**
 * Build once, install everywhere: two fresh hosts deployed in one apply compile uWSGI once (one
 * builds its wheel, the other waits for it and installs it), the wheel lands in the controller's
 * cache, and a later run on a third host compiles nothing. Only the host that builds gets a
 * compiler. nginx + uWSGI, the hello example.
 *
 * The run uses a cache of its own (CLAMPROVISION_CACHE_DIR), not the one the lab tests share.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import test from 'ava';
import { runCli, type CliRun } from '../helpers/cli.js';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { explain, hello, hostReport, httpGet, onHost, writeInventory } from './helpers.js';
import { testTempDir } from '../helpers/temp-dir.js';

const NAMES = ['e2e-wheel-1', 'e2e-wheel-2', 'e2e-wheel-3'];
const PIP_TASK = 'Python packages of hello';
let hosts: LabHost[];
let cacheDir: string;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

function run(args: string[]): Promise<CliRun> {
  return runCli([...args, '--json'], { env: { ...process.env, CLAMPROVISION_CACHE_DIR: cacheDir }, timeoutMs: 20 * 60_000 });
}

function inventoryFor(selected: LabHost[]): string {
  return writeInventory(selected, { webserver: 'nginx', services: [hello('hello', '/hello')] });
}

/** The summary of the pip task on a host: "install uwsgi==2.0.21 (new virtualenv; build wheel, then cache)". */
function pipSummary(result: CliRun, host: string): string {
  return (hostReport(result, host)?.tasks.find((t) => t.name === PIP_TASK)?.summary ?? []).join('\n');
}

/** Every wheel in the controller's cache, relative to it. */
function cachedWheels(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.whl')) found.push(relative(cacheDir, join(dir, entry.name)));
    }
  };
  walk(cacheDir);
  return found.sort();
}

/** uWSGI wheels pip built on the host (pip keeps what it builds in its wheel cache; the dry runs keep nothing). */
async function uwsgiBuiltOn(host: LabHost): Promise<string[]> {
  const out = await onHost(host, "find /root /home -path '*/pip/wheels/*' -iname 'uwsgi-*.whl' 2>/dev/null || true");
  return out.split('\n').filter(Boolean);
}

const COMPILER = ['gcc', 'libc6-dev', 'python3-dev'];

/** Which of the compiler's packages dpkg has installed on the host. */
function compilerOn(host: LabHost): Promise<string> {
  return onHost(host, `dpkg-query -W -f='\${db:Status-Abbrev} \${Package}\\n' ${COMPILER.join(' ')} 2>/dev/null | awk '$1 == "ii" { print $2 }' | sort | paste -sd' '`);
}

/**
 * The sha256 of the uwsgi binary the service runs. uWSGI writes its build time (to the second) into
 * it, so two hosts that compiled it each have different binaries; hosts installed from one wheel
 * have the same.
 */
function uwsgiBinary(host: LabHost): Promise<string> {
  return onHost(host, "sha256sum /opt/clam/hello/current/venv/bin/uwsgi | cut -d' ' -f1");
}

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts(NAMES);
});

test.before(async () => {
  if (!labAvailable) return;
  hosts = await labHosts(NAMES, { fresh: true });
  cacheDir = testTempDir('wheel-cache');
});

serial('two fresh hosts in one apply: one builds the uWSGI wheel, the other installs it from the cache', async (t) => {
  const [first, second] = hosts;
  const result = await run(['apply', inventoryFor([first!, second!])]);
  t.is(result.code, 0, explain(result));
  const summaries = [pipSummary(result, first!.name), pipSummary(result, second!.name)];
  const builders = summaries.filter((s) => /install uwsgi==[^ ]+ \(new virtualenv; build wheel, then cache\)/.test(s));
  const takers = summaries.filter((s) => /install uwsgi==[^ ]+ \(new virtualenv; from the controller's wheel cache/.test(s));
  t.is(builders.length, 1, summaries.join('\n---\n'));
  t.is(takers.length, 1, summaries.join('\n---\n'));

  const wheels = cachedWheels();
  t.is(wheels.length, 1, wheels.join(' '));
  t.regex(wheels[0]!, /^wheels\/debian-12-[a-z0-9_]+-cpython3\.11\/[0-9a-f]{64}\/uWSGI-[0-9.]+-cp311-cp311-linux_[a-z0-9_]+\.whl$/);
  // the library uWSGI loads that only the compiler's packages brought to the builder: the others install it
  t.true(readFileSync(join(cacheDir, `${wheels[0]!}.debian-packages`), 'utf8').split('\n').includes('libpython3.11'));

  t.is(await uwsgiBinary(first!), await uwsgiBinary(second!), 'both hosts run the uwsgi of one build');
  const [builder, taker] = /build wheel/.test(summaries[0]!) ? [first!, second!] : [second!, first!];
  t.deepEqual(await uwsgiBuiltOn(taker), [], `${taker.name} built no uWSGI wheel`);
  // the compiler only where uWSGI was compiled, installed by the pip task
  t.regex(builders[0]!, /^install python3-dev, gcc, libc6-dev first \(to compile uwsgi\)$/m);
  t.notRegex(takers[0]!, / first /);
  t.is(await compilerOn(builder), COMPILER.join(' '), `${builder.name} got the compiler`);
  t.is(await compilerOn(taker), '', `${taker.name} has no compiler`);
  for (const host of [first!, second!]) {
    t.is((await httpGet(`http://${host.address}/hello/`)).status, 200, host.name);
    // the wheels brought for the install are gone after it
    t.is(await onHost(host, 'ls -A /run/clamprovision/wheels 2>/dev/null || true'), '', host.name);
  }
});

serial('a later run on a new host: plan says the cache, apply compiles nothing', async (t) => {
  const third = hosts[2]!;
  const inventory = inventoryFor([third]);
  const [wheel] = cachedWheels();
  const stored = statSync(join(cacheDir, wheel!)).mtimeMs;

  // Python first (the packages only), so that plan can ask pip what it would install
  const packages = await run(['apply', inventory, '--tags', 'packages']);
  t.is(packages.code, 0, explain(packages));
  const plan = await run(['plan', inventory]);
  t.is(plan.code, 2, explain(plan));
  t.regex(pipSummary(plan, third.name), /install uwsgi==[^ ]+ \(new virtualenv; from the controller's wheel cache\)/);

  const result = await run(['apply', inventory]);
  t.is(result.code, 0, explain(result));
  t.regex(pipSummary(result, third.name), /install uwsgi==[^ ]+ \(new virtualenv; from the controller's wheel cache\)/);
  t.deepEqual(await uwsgiBuiltOn(third), []);
  t.notRegex(pipSummary(plan, third.name) + pipSummary(result, third.name), / first /);
  t.is(await compilerOn(third), '', 'no compiler on a host that compiles nothing');
  t.is(await uwsgiBinary(third), await uwsgiBinary(hosts[0]!), 'the uwsgi of the first run\'s build');
  t.deepEqual(cachedWheels(), [wheel]);
  t.is(statSync(join(cacheDir, wheel!)).mtimeMs, stored, 'the cached wheel was not written again');
  t.is((await httpGet(`http://${third.address}/hello/`)).status, 200);
});
