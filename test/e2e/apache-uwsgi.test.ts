/** Apache + mod_proxy_uwsgi on bookworm: two services at / and /hello (static files of one served by Apache). */
import test from 'ava';
import { labAvailable, labHosts, labUnavailableReason, type LabHost } from '../lab/hosts.js';
import {
  apply,
  changedTasks,
  childPids,
  explain,
  hello,
  httpGet,
  ipv4Rules,
  mainPid,
  onHost,
  processUser,
  tcpReachable,
  ufwStatus,
  unitState,
  writeInventory,
} from './helpers.js';

const HOST = 'e2e-apache-uwsgi';
let host: LabHost;
let inventory: string;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test('needs the lab', (t) => {
  t.log(labUnavailableReason);
  t.pass();
});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
  inventory = writeInventory([host], {
    webserver: 'apache-uwsgi',
    firewall_allow: ['8443/tcp'],
    services: [
      hello('hello', '/'),
      hello('hello2', '/hello', { static: { url: '/hello/static', dir: '/srv/hello2-static' }, env: { GREETING: 'from apache' } }),
    ],
  });
});

serial('first apply: both services answer through Apache with the right SCRIPT_NAME and PATH_INFO', async (t) => {
  // the static directory is the service's own business (CLAM's comes from the package): put one file there
  await onHost(host, "mkdir -p /srv/hello2-static && echo '<xsl:stylesheet/>' > /srv/hello2-static/interface.xsl");
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));

  t.is((await httpGet(`http://${host.address}/foo`)).body, 'SCRIPT_NAME=\nPATH_INFO=/foo\n');
  t.is((await httpGet(`http://${host.address}/`)).body, 'SCRIPT_NAME=\nPATH_INFO=/\n');
  const prefixed = await httpGet(`http://${host.address}/hello/foo`);
  t.is(prefixed.status, 200);
  t.is(prefixed.body, 'SCRIPT_NAME=/hello\nPATH_INFO=/foo\nGREETING=from apache\n');
  t.is((await httpGet(`http://${host.address}/hello/`)).body, 'SCRIPT_NAME=/hello\nPATH_INFO=/\nGREETING=from apache\n');
});

serial('static files are served by Apache itself, .xsl as XML', async (t) => {
  const xsl = await httpGet(`http://${host.address}/hello/static/interface.xsl`);
  t.is(xsl.status, 200);
  t.is(xsl.body, '<xsl:stylesheet/>\n');
  t.regex(xsl.headers.get('content-type') ?? '', /^application\/xml/);
});

serial('uWSGI does not answer from this machine; ufw allows exactly SSH, HTTP and firewall_allow', async (t) => {
  t.regex(await onHost(host, 'ss -Hltn'), /127\.0\.0\.1:8888\b/);
  t.false(await tcpReachable(host.address, 8888));
  t.false(await tcpReachable(host.address, 8889));
  const ufw = await ufwStatus(host);
  t.true(ufw.active);
  t.regex(ufw.defaults, /deny \(incoming\)/);
  t.deepEqual(ipv4Rules(ufw.rules), ['22/tcp ALLOW IN Anywhere', '80/tcp ALLOW IN Anywhere', '8443/tcp ALLOW IN Anywhere']);
});

serial('the units run as clam; the default site is disabled and ours enabled', async (t) => {
  for (const unit of ['clam-hello', 'clam-hello2']) {
    t.deepEqual(await unitState(host, unit), { active: 'active', enabled: 'enabled' }, unit);
    t.is(await processUser(host, await mainPid(host, unit)), 'clam', unit);
  }
  t.is(await onHost(host, 'readlink /etc/apache2/sites-enabled/clam.conf'), '../sites-available/clam.conf');
  t.is(await onHost(host, 'ls /etc/apache2/sites-enabled'), 'clam.conf');
  t.is(await onHost(host, 'test -e /etc/apache2/mods-enabled/proxy_uwsgi.load && echo yes'), 'yes');
});

serial('a second apply changes nothing and restarts nothing', async (t) => {
  const apachePid = await mainPid(host, 'apache2');
  const workers = await childPids(host, apachePid);
  const pids = [await mainPid(host, 'clam-hello'), await mainPid(host, 'clam-hello2')];
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.deepEqual(changedTasks(result, HOST), []);
  t.is(await mainPid(host, 'apache2'), apachePid);
  t.deepEqual(await childPids(host, apachePid), workers, 'Apache was not reloaded (a graceful reload replaces its children)');
  t.deepEqual([await mainPid(host, 'clam-hello'), await mainPid(host, 'clam-hello2')], pids);
});

serial('apache_extra that configtest refuses fails the host; Apache keeps serving the previous configuration', async (t) => {
  const previous = await onHost(host, 'sha256sum /etc/apache2/sites-available/clam.conf');
  const bad = writeInventory([host], {
    webserver: 'apache-uwsgi',
    firewall_allow: ['8443/tcp'],
    apache_extra: 'NoSuchDirective on',
    services: [
      hello('hello', '/'),
      hello('hello2', '/hello', { static: { url: '/hello/static', dir: '/srv/hello2-static' }, env: { GREETING: 'from apache' } }),
    ],
  });
  const result = await apply(bad);
  t.is(result.code, 3, explain(result));
  t.regex(result.report?.hosts[0]?.error ?? '', /NoSuchDirective/);
  t.is(await onHost(host, 'sha256sum /etc/apache2/sites-available/clam.conf'), previous);
  t.is((await httpGet(`http://${host.address}/hello/foo`)).status, 200);
});
