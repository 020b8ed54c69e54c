/**
 * Real CLAM behind nginx on bookworm (see clam-suite.ts), with CLAM's interface rendered to HTML by
 * nginx for browsers; then two deployments that must fail their health check with a message that
 * says what is wrong: CLAM announcing another URL, and a settings module CLAM's dispatcher cannot
 * import (the failure that used to end every job).
 */
import { apply, explain, httpGet, onHost, writeInventory } from './helpers.js';
import { checkClamJob, registerClamSuite, shout, shoutCopy } from './clam-suite.js';

const { serial, deployment } = registerClamSuite({ host: 'e2e-clam-nginx', webserver: 'nginx', browser: 'server-rendered' });

serial('nginx: a browser asking for HTML gets the page rendered on the server; API clients still get CLAM XML', async (t) => {
  const { host } = deployment();
  const html = await httpGet(`http://${host.address}/shout/`, 10_000, { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
  t.is(html.status, 200);
  t.regex(html.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(html.body, /<title>Shout<\/title>/);
  t.regex(html.body, /id="projectname"/, 'the form to create a project');
  t.notRegex(html.body, /<\?xml-stylesheet/, 'nothing left for the browser to transform');

  const xml = await httpGet(`http://${host.address}/shout/`, 10_000, { Accept: 'application/xml' });
  t.regex(xml.headers.get('content-type') ?? '', /xml/);
  t.regex(xml.body, /^<\?xml[^>]*\?>\s*<\?xml-stylesheet/);
  // scripts in the page (XMLHttpRequest) keep the XML too
  const ajax = await httpGet(`http://${host.address}/shout/`, 10_000, { Accept: 'text/html, */*', 'X-Requested-With': 'XMLHttpRequest' });
  t.regex(ajax.body, /<\?xml-stylesheet/);
  await checkClamJob(t, `http://${host.address}/shout`);
});

serial('nginx: CLAM announcing another base URL than the public one fails the host (exit 3) naming both URLs', async (t) => {
  const { host, vars } = deployment();
  // the service's own settings build URLs from X-Forwarded-Host and a prefix of their own
  const source = shoutCopy({ 'shout.config.yml': (config) => `${config}\nurlprefix: elsewhere\n` });
  const services = [shout('shout', '/shout', { source, env: { CLAM_USE_FORWARDED_HOST: 'true' } }), shout('shoutroot', '/')];
  const result = await apply(writeInventory([host], { ...vars, services }));
  t.is(result.code, 3, explain(result));
  const report = result.report?.hosts[0];
  t.is(report?.status, 'failed');
  t.true(report?.error?.includes(`http://${host.address}/elsewhere`), report?.error);
  t.true(report?.error?.includes(`http://${host.address}/shout`), report?.error);
});

serial("nginx: a settings module that CLAM's dispatcher cannot import fails the host (exit 3) with the import error", async (t) => {
  const { host, vars } = deployment();
  const services = [shout('shout', '/shout', { env: { CLAM_USE_FORWARDED_HOST: 'true', PYTHONPATH: '/nonexistent' } }), shout('shoutroot', '/')];
  const result = await apply(writeInventory([host], { ...vars, services }));
  t.is(result.code, 3, explain(result));
  const error = result.report?.hosts[0]?.error ?? '';
  t.regex(error, /could not import the settings module 'shout'/);
  t.regex(error, /No module named 'shout'/);
  // the web page itself still answers: only jobs would fail, which is what the check is for
  t.is((await httpGet(`http://${host.address}/shout/`)).status, 200);
});

serial('nginx: a new server_name replaces the old server block (no two blocks, no clashing maps); CLAM announces the new name', async (t) => {
  const { host, vars } = deployment();
  const result = await apply(writeInventory([host], { ...vars, server_name: 'clam.lab.example' }));
  t.is(result.code, 0, explain(result));
  t.is(await onHost(host, 'ls /etc/nginx/conf.d'), 'clam-clam.lab.example.conf');
  const page = await httpGet(`http://${host.address}/shout/`, 10_000, { Accept: 'application/xml' });
  t.regex(page.body, /baseurl="http:\/\/clam\.lab\.example\/shout"/);
});
