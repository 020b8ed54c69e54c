/**
 * Issue 7, point 10: data is never lost. What services wrote into their data_dir (default and custom)
 * survives a redeploy with new code and environment, the rename of another service, and a switch
 * of webserver to Apache + mod_wsgi (nginx -> Apache + mod_proxy_uwsgi is in test/e2e/nginx.test.ts).
 */
import test from 'ava';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { hello, helloSource, httpGet, onHost, unitState } from '../e2e/helpers.js';
import { explain, faultsTempDir, hostReport, runCli, writeInventoryFor } from './helpers.js';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

let host: LabHost;
let source = '';
const ALPHA_DATA = '/var/lib/clam/alpha';
const BETA_DATA = '/srv/clam/beta';

test.before(async () => {
  if (!labAvailable) return;
  [host] = (await labHosts(['fault12'], { fresh: true })) as [LabHost];
  source = join(faultsTempDir('data'), 'app');
  cpSync(helloSource, source, { recursive: true });
});

test.after.always(async () => {
  if (labAvailable) await stopLabHosts(['fault12']);
});

const serial = labAvailable ? test.serial : test.skip;

function inventory(services: Record<string, unknown>[], vars: Record<string, unknown> = {}): string {
  return writeInventoryFor([host], { webserver: 'nginx', ...vars }, { [host.name]: { services } });
}

const alpha = (greeting = 'one') => hello('alpha', '/alpha', { source, env: { GREETING: greeting } });
const beta = () => hello('beta', '/beta', { source, data_dir: BETA_DATA });
const gamma = () => hello('gamma', '/gamma', { source, data_dir: '/srv/clam/gamma' });

/** Names, sizes, owners, modes and contents of everything under the directory. */
function dataFingerprint(dir: string): Promise<string> {
  return onHost(host, `cd ${dir} && find . -printf '%p %s %u %g %m\\n' | sort && find . -type f -exec sha256sum {} + | sort`);
}

let alphaData = '';
let betaData = '';

serial('first deploy; the services write data', async (t) => {
  const first = await runCli(['apply', inventory([alpha(), beta()]), '--json']);
  t.is(first.code, 0, explain(first));
  // what the services wrote, as the service user
  await onHost(
    host,
    `runuser -u clam -- sh -c 'mkdir -p ${ALPHA_DATA}/projects/p1 && echo "uploaded corpus" > ${ALPHA_DATA}/projects/p1/input.txt && ` +
      `head -c 100000 /dev/urandom > ${ALPHA_DATA}/projects/p1/output.bin && echo results > ${BETA_DATA}/results.txt'`,
  );
  alphaData = await dataFingerprint(ALPHA_DATA);
  betaData = await dataFingerprint(BETA_DATA);
  t.regex(alphaData, /\.\/projects\/p1\/input\.txt 16 clam clam/);
  t.regex(betaData, /\.\/results\.txt 8 clam clam/);
});

serial('a redeploy with new code and a new environment keeps the data', async (t) => {
  writeFileSync(join(source, 'VERSION'), '2\n');
  const redeploy = await runCli(['apply', inventory([alpha('two'), beta()]), '--json']);
  t.is(redeploy.code, 0, explain(redeploy));
  t.is(hostReport(redeploy, host.name)?.status, 'changed');
  t.is(await onHost(host, 'cat /opt/clam/alpha/current/src/VERSION'), '2', 'the new code is deployed');
  t.is((await httpGet(`http://${host.address}/alpha/x`)).body, 'SCRIPT_NAME=/alpha\nPATH_INFO=/x\nGREETING=two\n');
  t.is(await dataFingerprint(ALPHA_DATA), alphaData, 'alpha data after the redeploy');
  t.is(await dataFingerprint(BETA_DATA), betaData, 'beta data after the redeploy');
});

serial("renaming another service (beta -> gamma) keeps alpha's data, and beta's stays where it was", async (t) => {
  const renamed = await runCli(['apply', inventory([alpha('two'), gamma()]), '--json']);
  t.is(renamed.code, 0, explain(renamed));
  t.is((await httpGet(`http://${host.address}/gamma/x`)).status, 200);
  t.is((await unitState(host, 'clam-beta')).active, 'inactive', 'the old service was stopped');
  t.is(await dataFingerprint(ALPHA_DATA), alphaData, 'alpha data after renaming beta');
  t.is(await dataFingerprint(BETA_DATA), betaData, "the renamed service's old data is kept");
});

serial('switching to Apache + mod_wsgi keeps the data', async (t) => {
  const switched = await runCli(['apply', inventory([alpha('two'), gamma()], { webserver: 'apache-wsgi' }), '--json']);
  t.is(switched.code, 0, explain(switched));
  t.is((await httpGet(`http://${host.address}/alpha/x`)).body, 'SCRIPT_NAME=/alpha\nPATH_INFO=/x\nGREETING=two\n');
  t.is((await unitState(host, 'apache2')).active, 'active');
  t.is(await dataFingerprint(ALPHA_DATA), alphaData, 'alpha data after the webserver switch');
  t.is(await dataFingerprint(BETA_DATA), betaData, 'beta data after the webserver switch');
});
