/**
 * Issue 15: releases and rollback on a real host (nginx + uWSGI). Each deploy of new code is its own
 * release under /opt/clam/NAME/releases/ with an atomic `current` link; `releases` lists them;
 * `rollback` goes back one release at a time (or --to one), --dry-run shows it first, and a steady
 * load across two rollbacks sees no failed request; keep_releases prunes; a release failing its
 * health check is switched back and the host fails (exit 3); the data directory is never in a release.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { apply, changedTasks, cli, explain, httpGet, onHost, writeInventory } from './helpers.js';
import { runCli } from '../helpers/cli.js';
import { startLoad } from './load.js';
import { testTempDir } from '../helpers/temp-dir.js';

const HOST = 'e2e-releases';
const HOME = '/opt/clam/app';
const DATA = '/var/lib/clam/app';
let host: LabHost;
let source = '';

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
  source = testTempDir('releases');
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

/** The app's code at this version: it answers `version N` (status 500 when told to fail). */
function writeCode(version: number, status = '200 OK'): void {
  writeFileSync(
    join(source, 'app.wsgi'),
    `def application(environ, start_response):\n    body = b"version ${version}\\n"\n    start_response("${status}", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])\n    return [body]\n`,
  );
}

function inventory(extra: Record<string, unknown> = {}): string {
  return writeInventory([host], { webserver: 'nginx', services: [{ name: 'app', source, wsgi: 'app.wsgi', ...extra }] });
}

async function deploy(version: number, extra: Record<string, unknown> = {}): Promise<string> {
  writeCode(version);
  const file = inventory(extra);
  const result = await apply(file);
  if (result.code !== 0) throw new Error(`apply of version ${version} failed: ${explain(result)}`);
  return file;
}

const served = async () => (await httpGet(`http://${host.address}/`)).body.trim();
const current = () => onHost(host, `readlink ${HOME}/current`);
const releaseDirs = async () => (await onHost(host, `ls ${HOME}/releases`)).split('\n').filter(Boolean).sort();

const ids: string[] = [];

serial('the first deploy is release ID under /opt/clam/NAME/releases, and current links to it', async (t) => {
  await deploy(1);
  t.is(await served(), 'version 1');
  ids.push((await current()).replace('releases/', ''));
  t.regex(ids[0]!, /^[0-9a-f]{12}$/);
  await onHost(host, `runuser -u clam -- sh -c 'echo results > ${DATA}/results.txt'`);
});

serial('each deploy of new code is a new release, made current; a second apply changes nothing; the data stays outside', async (t) => {
  const file = await deploy(2);
  t.is(await served(), 'version 2');
  ids.push((await current()).replace('releases/', ''));
  t.notDeepEqual(ids[1], ids[0]);
  t.deepEqual(await releaseDirs(), [...ids].sort());
  t.is(await onHost(host, `cat ${HOME}/releases/${ids[1]}/src/app.wsgi | grep -c 'version 2'`), '1');
  t.is(await onHost(host, `cat ${DATA}/results.txt`), 'results', 'the data directory is untouched by the switch');
  t.is(await onHost(host, `find ${HOME} -path '*results.txt' | wc -l`), '0', 'no data inside a release');

  const again = await apply(file);
  t.is(again.code, 0, explain(again));
  t.deepEqual(changedTasks(again, HOST), []);
});

serial('releases lists each service’s releases, newest first, the current one marked', async (t) => {
  const listed = await runCli(['releases', inventory(), '--json']);
  t.is(listed.code, 0, listed.stderr);
  const document = JSON.parse(listed.stdout) as { hosts: { name: string; services: { service: string; current: string; releases: { id: string; current: boolean }[] }[] }[] };
  const app = document.hosts[0]!.services[0]!;
  t.is(app.service, 'app');
  t.is(app.current, ids[1]!);
  t.deepEqual(app.releases.map((r) => [r.id, r.current]), [[ids[1], true], [ids[0], false]]);
  const text = await runCli(['releases', inventory()]);
  t.regex(text.stdout, new RegExp(`\\* ${ids[1]}  deployed \\S+  \\(current\\)`));
});

serial('rollback --dry-run shows the switch and changes nothing; rollback brings the previous code back, a second one goes one further', async (t) => {
  await deploy(3);
  ids.push((await current()).replace('releases/', ''));
  const file = inventory();

  const dry = await cli(['rollback', file, '--dry-run']);
  t.is(dry.code, 2, explain(dry));
  t.true(JSON.stringify(dry.report).includes(`roll app back from release ${ids[2]} to ${ids[1]}`), explain(dry));
  t.is(await current(), `releases/${ids[2]}`, 'a dry run switches nothing');
  t.is(await served(), 'version 3');

  // a steady load across both switches: every request answered by one release or the other
  const load = startLoad(`http://${host.address}/`, (body) => /^version [123]\n$/.test(body));
  const first = await cli(['rollback', file]);
  t.is(first.code, 0, explain(first));
  t.is(await served(), 'version 2');
  const second = await cli(['rollback', file]);
  t.is(second.code, 0, explain(second));
  t.is(await served(), 'version 1');
  const seen = await load.stop();
  t.deepEqual(seen.failures, [], `${seen.failures.length} of ${seen.requests} requests failed during the rollbacks`);
  t.true(seen.requests >= 100, `only ${seen.requests} requests during the rollbacks`);
  t.true((seen.bodies.get('version 3\n') ?? 0) > 0 && (seen.bodies.get('version 1\n') ?? 0) > 0, 'the load saw the code before and after the switches');
  const none = await cli(['rollback', file]);
  t.is(none.code, 3, explain(none));
  t.regex(none.report!.hosts[0]!.error!, /no release older than the current one/);
  t.is(await served(), 'version 1', 'still serving');

  const to = await cli(['rollback', file, '--service', 'app', '--to', ids[2]!.slice(0, 6)]);
  t.is(to.code, 0, explain(to));
  t.is(await served(), 'version 3');
});

serial('keep_releases: the newest releases stay, older ones are removed after the health check', async (t) => {
  await deploy(4, { keep_releases: 2 });
  ids.push((await current()).replace('releases/', ''));
  t.deepEqual(await releaseDirs(), [ids[2]!, ids[3]!].sort());
  t.is(await served(), 'version 4');
});

serial('a release that fails its health check is switched back: the previous one serves, the host fails (exit 3)', async (t) => {
  writeCode(5, '500 Internal Server Error');
  const failed = await apply(inventory({ keep_releases: 2 }));
  t.is(failed.code, 3, explain(failed));
  const error = failed.report!.hosts[0]!.error!;
  t.regex(error, /Health check/);
  t.regex(error, new RegExp(`taken back: switch app back to release ${ids[3]}`));
  t.is(await current(), `releases/${ids[3]}`);
  t.is(await served(), 'version 4');
});
