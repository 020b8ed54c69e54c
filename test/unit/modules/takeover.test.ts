import test from 'ava';
import type { ListeningProcess } from '../../../src/facts/kinds/listeners.js';
import type { FileFact } from '../../../src/facts/types.js';
import { takeover } from '../../../src/modules/takeover.js';
import { assertParses, fileFact, hostFacts, MISSING } from './host-facts.js';

const context = { taskName: 'takeover', inHandler: false };
const args = (input: unknown) => takeover.schema.parse(input);

const ARGS = args({
  ports: [
    { port: 8080, owners: ['clam-shout.service'], purpose: 'the uWSGI port of shout' },
    { port: 80, owners: ['nginx.service', 'apache2.service'], purpose: 'the web server port' },
  ],
  site: { webserver: 'nginx', server_name: 'clam.example.org', ports: [80] },
  files: ['/etc/systemd/system/clam-shout.service'],
});

const handMadeUwsgi = (pid: number, ppid: number): ListeningProcess => ({
  pid,
  ppid,
  comm: 'uwsgi',
  argv: ['uwsgi', '--ini', '/home/clam/shout/shout.ini'],
  user: 'clam',
  unit: 'session-4.scope',
  unitMainPid: 0,
});
const nginx = (pid: number): ListeningProcess => ({ pid, ppid: 1, comm: 'nginx', argv: ['nginx: master process'], user: 'root', unit: 'nginx.service', unitMainPid: pid });

const LINK: FileFact = { exists: true, type: 'link', mode: 0o777, owner: 'root', group: 'root', size: 18, linkTarget: '../sites-available/shout' };
const OLD_SITE = 'server {\n  listen 80;\n  server_name clam.example.org;\n  location /shout { uwsgi_pass 127.0.0.1:8080; }\n}\n';

function facts(overrides: {
  listeners?: Record<number, ListeningProcess[]>;
  sitesEnabled?: { path: string; realPath?: string }[];
  confD?: { path: string }[];
  files?: Record<string, FileFact>;
}) {
  return hostFacts({
    listeners: new Map(Object.entries({ 8080: [], 80: [], ...overrides.listeners }).map(([port, holders]) => [Number(port), holders])),
    globs: new Map([
      ['/etc/nginx/sites-enabled/*', { matches: overrides.sitesEnabled ?? [] }],
      ['/etc/nginx/conf.d/*.conf', { matches: overrides.confD ?? [] }],
    ]),
    files: new Map(Object.entries({ '/etc/systemd/system/clam-shout.service': MISSING, ...overrides.files })),
  });
}

test('facts: the listeners of every port at once, the enabled site files of the webserver, the files about to be replaced', (t) => {
  t.deepEqual(takeover.facts(ARGS), [
    { kind: 'listeners', ports: [8080, 80] },
    { kind: 'glob', pattern: '/etc/nginx/sites-enabled/*' },
    { kind: 'glob', pattern: '/etc/nginx/conf.d/*.conf' },
    { kind: 'file', path: '/etc/systemd/system/clam-shout.service', content: true },
  ]);
  t.deepEqual(takeover.facts(args({ site: { webserver: 'apache', server_name: 'a', ports: [80] } })), [{ kind: 'glob', pattern: '/etc/apache2/sites-enabled/*.conf' }]);
});

test('a host with nothing in the way (our own uWSGI and nginx on their ports): nothing to do', (t) => {
  const ours: ListeningProcess = { ...handMadeUwsgi(700, 1), unit: 'clam-shout.service', unitMainPid: 700 };
  const managed = fileFact('# Managed by clamprovision: the CLAM webservices of clam.example.org.\nserver { listen 80; server_name clam.example.org; }\n');
  const change = takeover.plan(
    ARGS,
    facts({
      listeners: { 8080: [ours, { ...ours, pid: 701, ppid: 700 }], 80: [nginx(50)] },
      confD: [{ path: '/etc/nginx/conf.d/clam-clam.example.org.conf' }],
      sitesEnabled: [{ path: '/etc/nginx/sites-enabled/default', realPath: '/etc/nginx/sites-available/default' }],
      files: {
        '/etc/nginx/conf.d/clam-clam.example.org.conf': managed,
        '/etc/nginx/sites-enabled/default': LINK,
        '/etc/nginx/sites-available/default': fileFact('server { listen 80 default_server; server_name _; }\n'),
        '/etc/systemd/system/clam-shout.service': fileFact('# Managed by clamprovision: uWSGI for the CLAM service \'shout\'.\n[Unit]\n'),
      },
    }),
    context,
  );
  t.is(change, null);
});

test('a hand-made deployment: its uWSGI is signalled, its site link removed (the file stays), a conf.d file and a foreign unit kept in the backup directory', (t) => {
  const change = takeover.plan(
    ARGS,
    facts({
      listeners: { 8080: [handMadeUwsgi(301, 300), handMadeUwsgi(302, 301)], 80: [nginx(50)] },
      sitesEnabled: [{ path: '/etc/nginx/sites-enabled/shout', realPath: '/etc/nginx/sites-available/shout' }],
      confD: [{ path: '/etc/nginx/conf.d/shout.conf' }],
      files: {
        '/etc/nginx/sites-enabled/shout': LINK,
        '/etc/nginx/sites-available/shout': fileFact(OLD_SITE),
        '/etc/nginx/conf.d/shout.conf': fileFact(OLD_SITE.replace('clam.example.org', '*.example.org')),
        '/etc/systemd/system/clam-shout.service': fileFact('[Unit]\nDescription=shout by hand\n'),
      },
    }),
    context,
  )!;
  t.deepEqual(change.summary, [
    'stop uwsgi (pid 301, user clam, uwsgi /home/clam/shout/shout.ini): it listens on port 8080, the uWSGI port of shout; no systemd unit started it, so whatever did (a script, cron @reboot, rc.local) must be removed by hand or it starts again at boot',
    'disable the nginx site /etc/nginx/sites-enabled/shout (server name clam.example.org on port 80, as this host\'s): the link is removed, /etc/nginx/sites-available/shout stays',
    'disable the nginx site /etc/nginx/conf.d/shout.conf (server name *.example.org (matches clam.example.org) on port 80, as this host\'s): moved to /var/backups/clamprovision/etc/nginx/conf.d/shout.conf',
    'keep a copy of /etc/systemd/system/clam-shout.service (not written by clamprovision; replaced below) in /var/backups/clamprovision/etc/systemd/system/clam-shout.service',
  ]);
  t.regex(change.script, /kill -s INT 301 /);
  t.regex(change.script, /for pid in 301 302; do/);
  t.regex(change.script, /rm -f -- \/etc\/nginx\/sites-enabled\/shout\n/);
  t.regex(change.script, /mv -f -- \/etc\/nginx\/conf\.d\/shout\.conf "\$dest"/);
  t.regex(change.script, /cp -pP -- \/etc\/systemd\/system\/clam-shout\.service "\$dest"/);
  t.false(change.script.includes('systemctl'), 'no unit is stopped for a program started by hand');
  assertParses(change.script);
});

test("a program that is its unit's main process is stopped and disabled through the unit", (t) => {
  const process: ListeningProcess = { ...handMadeUwsgi(500, 1), unit: 'shout-uwsgi.service', unitMainPid: 500 };
  const change = takeover.plan(ARGS, facts({ listeners: { 8080: [process] } }), context)!;
  t.deepEqual(change.summary, [
    'stop and disable shout-uwsgi.service: its uwsgi (pid 500, user clam, uwsgi /home/clam/shout/shout.ini) listens on port 8080, the uWSGI port of shout (its unit file stays)',
  ]);
  t.regex(change.script, /systemctl disable --now shout-uwsgi\.service/);
  t.false(change.script.includes('kill'));
});

test('another name, another port or an unparsable file is not a clash', (t) => {
  const change = takeover.plan(
    ARGS,
    facts({
      confD: [{ path: '/etc/nginx/conf.d/a.conf' }, { path: '/etc/nginx/conf.d/b.conf' }, { path: '/etc/nginx/conf.d/c.conf' }],
      files: {
        '/etc/nginx/conf.d/a.conf': fileFact(OLD_SITE.replace('clam.example.org', 'other.example.org')),
        '/etc/nginx/conf.d/b.conf': fileFact(OLD_SITE.replace('listen 80', 'listen 8081')),
        '/etc/nginx/conf.d/c.conf': fileFact('server { listen 80; server_name clam.example.org'),
      },
    }),
    context,
  );
  t.is(change, null);
});
