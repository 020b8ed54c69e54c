/**
 * Taking over a host deployed by hand the way CLAM's deployment guide describes it: a `clam` user
 * with a home and a login shell, uWSGI started from an ini file by a startserver_production.sh
 * script (Debian's uwsgi package here, to build nothing), and an nginx site on port 80 with a
 * location for the service. apply names what clashes in the plan, stops the old uWSGI, disables
 * the old site (its file stays), leaves the user as it is, and the new service answers.
 */
import test from 'ava';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { apply, cli, explain, hello, hostReport, httpGet, onHost, writeInventory } from './helpers.js';

const HOST = 'e2e-takeover';
const OLD_PORT = 8080;
let host: LabHost;
let inventory: string;
let clamAccount: string;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

const OLD_APP = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"deployed by hand\\n"]
`;

const OLD_INI = `[uwsgi]
plugins = python3
socket = 127.0.0.1:${OLD_PORT}
chdir = /home/clam/shout
wsgi-file = /home/clam/shout/shout.wsgi
mount = /shout=/home/clam/shout/shout.wsgi
manage-script-name = true
master = true
processes = 2
`;

const START_SCRIPT = `#!/bin/sh
cd /home/clam/shout && exec uwsgi --ini /home/clam/shout/shout.ini
`;

function oldSite(address: string): string {
  return `server {
    listen 80;
    server_name ${address};
    location /shout {
        include uwsgi_params;
        uwsgi_pass 127.0.0.1:${OLD_PORT};
    }
}
`;
}

/** Writes FILE on the host from a quoted heredoc. */
function writeFile(file: string, content: string): string {
  return `cat > ${file} <<'CLAMPROVISION_TEST_EOF'\n${content}CLAMPROVISION_TEST_EOF`;
}

// [u]: the pattern does not match the shell that runs pgrep
const oldUwsgiPids = () => onHost(host, 'pgrep -f "[u]wsgi --ini /home/clam/shout/shout.ini" || true');

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
  await onHost(
    host,
    [
      'set -e',
      'export DEBIAN_FRONTEND=noninteractive',
      'apt-get update -q >/dev/null',
      'apt-get install -y -q --no-install-recommends nginx uwsgi-core uwsgi-plugin-python3 >/dev/null',
      'useradd --create-home --home-dir /home/clam --shell /bin/bash clam',
      'install -d -o clam -g clam /home/clam/shout',
      writeFile('/home/clam/shout/shout.wsgi', OLD_APP),
      writeFile('/home/clam/shout/shout.ini', OLD_INI),
      writeFile('/home/clam/shout/startserver_production.sh', START_SCRIPT),
      'chmod 0755 /home/clam/shout/startserver_production.sh && chown -R clam:clam /home/clam/shout',
      `su -s /bin/sh clam -c 'setsid nohup /home/clam/shout/startserver_production.sh >/home/clam/shout/uwsgi.log 2>&1 </dev/null &'`,
      writeFile('/etc/nginx/sites-available/shout', oldSite(host.address)),
      'ln -s ../sites-available/shout /etc/nginx/sites-enabled/shout',
      'systemctl reload nginx',
      // uWSGI binds its socket a moment after the script starts
      `for i in $(seq 50); do curl -fsS http://127.0.0.1/shout/ -H 'Host: ${host.address}' >/dev/null 2>&1 && break; sleep 0.2; done`,
    ].join('\n'),
  );
  clamAccount = await onHost(host, 'getent passwd clam');
  // the name the old site answers for, as a user taking over their own server would keep it
  inventory = writeInventory([host], { webserver: 'nginx', server_name: host.address, services: [hello('shout', '/shout', { uwsgi_port: OLD_PORT })] });
});

serial('the hand-made deployment answers before the take-over', async (t) => {
  const answer = await httpGet(`http://${host.address}/shout/`);
  t.is(answer.status, 200);
  t.is(answer.body, 'deployed by hand\n');
  t.not(await oldUwsgiPids(), '');
});

serial('plan names the old uWSGI on the same port and the old nginx site for the same name and port', async (t) => {
  const plan = await cli(['plan', inventory]);
  t.is(plan.code, 2, explain(plan));
  const takeover = hostReport(plan, HOST).tasks.find((task) => task.module === 'takeover');
  t.truthy(takeover, explain(plan));
  const lines = takeover!.summary ?? [];
  t.true(
    lines.some((line) => /^stop uwsgi \(pid \d+, user clam, .*\/home\/clam\/shout\/shout\.ini\): it listens on port 8080/.test(line)),
    lines.join('\n'),
  );
  t.true(
    lines.some((line) => line.includes(`/etc/nginx/sites-enabled/shout (server name ${host.address} on port 80`) && line.includes('/etc/nginx/sites-available/shout stays')),
    lines.join('\n'),
  );
  // plan touched nothing
  t.not(await oldUwsgiPids(), '');
  t.is(await onHost(host, 'readlink /etc/nginx/sites-enabled/shout'), '../sites-available/shout');
});

serial('apply takes the host over: the old uWSGI is stopped, its site disabled and kept, the user left as it was, the new service answers', async (t) => {
  const result = await apply(inventory);
  t.is(result.code, 0, explain(result));
  t.is(await oldUwsgiPids(), '', 'the hand-made uWSGI still runs');
  t.is(await onHost(host, 'test -e /etc/nginx/sites-enabled/shout || test -L /etc/nginx/sites-enabled/shout && echo enabled || echo gone'), 'gone');
  t.is(await onHost(host, 'cat /etc/nginx/sites-available/shout'), oldSite(host.address).trim());
  t.is(await onHost(host, 'getent passwd clam'), clamAccount);
  t.is(await onHost(host, 'test -d /home/clam/shout && echo kept'), 'kept');
  const answer = await httpGet(`http://${host.address}/shout/foo`);
  t.is(answer.status, 200);
  t.is(answer.body, 'SCRIPT_NAME=/shout\nPATH_INFO=/foo\n');
  t.is(await onHost(host, `systemctl show -p ActiveState --value clam-shout`), 'active');
});

serial('afterwards plan has nothing to change', async (t) => {
  const plan = await cli(['plan', inventory]);
  t.is(plan.code, 0, explain(plan));
});
