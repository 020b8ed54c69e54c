import test from 'ava';
import { directives, helloService, hostVars, render, shoutService } from './render.js';

function conf(inventoryVars: Record<string, unknown>): string[] {
  return directives(render('apache-clam.conf.ejs', hostVars({ webserver: 'apache-uwsgi', ...inventoryVars })));
}

/** The directive lines of each <VirtualHost> (with its address). */
function virtualHosts(lines: string[]): Array<{ address: string; body: string[] }> {
  const hosts: Array<{ address: string; body: string[] }> = [];
  let current: { address: string; body: string[] } | undefined;
  for (const line of lines) {
    const open = /^<VirtualHost (.+)>$/.exec(line);
    if (open) current = { address: open[1]!, body: [] };
    else if (line === '</VirtualHost>') {
      hosts.push(current!);
      current = undefined;
    } else current?.body.push(line);
  }
  return hosts;
}

function only<T>(list: T[]): T {
  if (list.length !== 1) throw new Error(`expected exactly one, got ${list.length}`);
  return list[0]!;
}

function locationBlock(body: string[], path: string): string[] | undefined {
  const start = body.indexOf(`<Location ${path}>`);
  if (start < 0) return undefined;
  return body.slice(start + 1, body.indexOf('</Location>', start));
}

test('mod_proxy_uwsgi at the root: everything goes to uWSGI', (t) => {
  const vhost = only(virtualHosts(conf({ services: [helloService('/')] })));
  t.is(vhost.address, '*:80');
  t.true(vhost.body.includes('ServerName web1'));
  t.deepEqual(vhost.body.filter((line) => line.startsWith('ProxyPass')), ['ProxyPass / uwsgi://127.0.0.1:8888/ timeout=600 retry=0']);
});

test('mod_proxy_uwsgi under /hello: the full path goes to uWSGI, which moves the prefix into SCRIPT_NAME', (t) => {
  const vhost = only(virtualHosts(conf({ services: [helloService('/hello')] })));
  t.deepEqual(vhost.body.filter((line) => line.startsWith('ProxyPass')), ['ProxyPass /hello uwsgi://127.0.0.1:8888/hello timeout=600 retry=0']);
});

test('the static exclusion comes BEFORE the ProxyPass of its service, with the Alias and Require all granted', (t) => {
  const vhost = only(virtualHosts(conf({ services: [helloService('/hello', { pip_packages: ['clam>=3.2'] })] })));
  t.deepEqual(vhost.body.filter((line) => line.startsWith('ProxyPass')), ['ProxyPass /hello/static !', 'ProxyPass /hello uwsgi://127.0.0.1:8888/hello timeout=600 retry=0']);
  t.true(vhost.body.includes('Alias /hello/static /opt/clam/hello/static'));
  const directory = vhost.body.indexOf('<Directory /opt/clam/hello/static>');
  t.true(directory >= 0);
  t.is(vhost.body[directory + 1], 'Require all granted');
});

test('two services: the longer prefix is proxied first, so / does not swallow /other', (t) => {
  const vhost = only(virtualHosts(conf({ services: [helloService('/', { pip_packages: ['clam'] }), helloService('/other', { name: 'other', pip_packages: ['clam'] })] })));
  t.deepEqual(vhost.body.filter((line) => line.startsWith('ProxyPass')), [
    'ProxyPass /other/static !',
    'ProxyPass /other uwsgi://127.0.0.1:8889/other timeout=600 retry=0',
    'ProxyPass /static !',
    'ProxyPass / uwsgi://127.0.0.1:8888/ timeout=600 retry=0',
  ]);
});

test('LimitRequestBody from client_max_body_size, per service; <Location /> comes first so /big overrides it', (t) => {
  const vhost = only(virtualHosts(conf({ services: [helloService('/'), helloService('/big', { name: 'big', client_max_body_size: '125m' })] })));
  t.deepEqual(locationBlock(vhost.body, '/'), ['LimitRequestBody 1073741824']);
  t.deepEqual(locationBlock(vhost.body, '/big'), [`LimitRequestBody ${125 * 1024 * 1024}`]);
  t.true(vhost.body.indexOf('<Location />') < vhost.body.indexOf('<Location /big>'));
});

test('.xsl is served as XML', (t) => {
  t.true(only(virtualHosts(conf({ services: [helloService('/')] }))).body.includes('AddType application/xml .xsl'));
});

test('port 80 needs no Listen (ports.conf has it); another http_port gets one', (t) => {
  t.false(conf({ services: [helloService('/')] }).some((line) => line.startsWith('Listen')));
  const lines = conf({ http_port: 8080, services: [helloService('/')] });
  t.true(lines.includes('Listen 8080'));
  t.is(only(virtualHosts(lines)).address, '*:8080');
});

test('with tls: *:80 redirects to https, the services are on *:443 with SSLEngine and the copied files', (t) => {
  const hosts = virtualHosts(conf({ tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, server_name: 'clam.example.org', services: [helloService('/hello')] }));
  t.deepEqual(hosts.map((h) => h.address), ['*:80', '*:443']);
  const [http, https] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
  t.true(http.body.includes('Redirect permanent / https://clam.example.org/'));
  t.false(http.body.some((line) => line.startsWith('ProxyPass')));
  t.true(https.body.includes('SSLEngine on'));
  t.true(https.body.includes('SSLCertificateFile /etc/clam/tls/cert.pem'));
  t.true(https.body.includes('SSLCertificateKeyFile /etc/clam/tls/key.pem'));
  t.true(https.body.includes('ProxyPass /hello uwsgi://127.0.0.1:8888/hello timeout=600 retry=0'));
});

test('apache_extra goes inside our virtual host (the HTTPS one with tls)', (t) => {
  const plain = only(virtualHosts(conf({ apache_extra: 'Header set X-Clam yes\n', services: [helloService('/')] })));
  t.true(plain.body.includes('Header set X-Clam yes'));
  const [http, https] = virtualHosts(conf({ apache_extra: 'Header set X-Clam yes', tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, services: [helloService('/')] }));
  t.false(http!.body.includes('Header set X-Clam yes'));
  t.true(https!.body.includes('Header set X-Clam yes'));
});

/** The paths outside the services' prefixes that Apache answers with 404 (mod_alias uses PCRE; JavaScript reads this regex the same). */
function notFound(vhost: { body: string[] }): RegExp | undefined {
  const lines = vhost.body.filter((line) => line.startsWith('RedirectMatch 404 '));
  if (lines.length > 1) throw new Error(`several: ${lines.join('\n')}`);
  return lines[0] === undefined ? undefined : new RegExp(lines[0].split(' ')[2]!);
}

test("every service under a prefix: the rest of the site is a 404, not Apache's default page; prefixes and static files are not", (t) => {
  for (const webserver of ['apache-uwsgi', 'apache-wsgi']) {
    const services = [shoutService('/shout'), helloService('/tools/v1.2', { name: 'v12' }), helloService('/hello', { static: { url: '/assets(1)/', dir: '/srv/assets' } })];
    const vhost = only(virtualHosts(conf({ webserver, services })));
    t.true(vhost.body.includes('RedirectMatch 404 ^/(?!(?:shout|tools/v1\\.2|hello|assets\\(1\\))(?:/|$))'), webserver);
    const regex = notFound(vhost)!;
    for (const path of ['/', '/index.html', '/icons/apache_pg.gif', '/shoutx', '/tools', '/tools/v1x2/', '/hello.html', '/assets(1)x']) t.true(regex.test(path), `${webserver}: ${path} is a 404`);
    for (const path of ['/shout', '/shout/', '/shout/static/style.css', '/tools/v1.2', '/tools/v1.2/x', '/hello/', '/assets(1)/logo.png']) t.false(regex.test(path), `${webserver}: ${path} is served`);
  }
});

test('no 404 of ours where something is served at /: a service, static files, or apache_extra mapping URLs itself', (t) => {
  const vhostOf = (vars: Record<string, unknown>) => virtualHosts(conf(vars)).at(-1)!;
  t.is(notFound(vhostOf({ services: [helloService('/'), helloService('/other', { name: 'other' })] })), undefined);
  t.is(notFound(vhostOf({ webserver: 'apache-wsgi', services: [helloService('/', { pip_packages: ['clam'] })] })), undefined);
  t.is(notFound(vhostOf({ services: [helloService('/hello', { static: { url: '/', dir: '/srv/site' } })] })), undefined);
  for (const extra of ['DocumentRoot /srv/site', 'Alias /docs /srv/docs', 'ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/', 'redirectmatch ^/$ /hello/', '<Location /server-status>\n    SetHandler server-status\n</Location>']) {
    t.is(notFound(vhostOf({ apache_extra: extra, services: [helloService('/hello')] })), undefined, extra);
  }
  t.truthy(notFound(vhostOf({ apache_extra: 'Header set X-Clam yes\nProxyPass /api http://127.0.0.1:9000/api', services: [helloService('/hello')] })));
  const [http, https] = virtualHosts(conf({ tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, services: [helloService('/hello')] }));
  t.is(notFound(http!), undefined, 'the redirect to https is unchanged');
  t.truthy(notFound(https!));
});

function wsgiConf(inventoryVars: Record<string, unknown>): string[] {
  return conf({ webserver: 'apache-wsgi', ...inventoryVars });
}

test('mod_wsgi: one daemon process group per service, as clam, with the venv as python-home', (t) => {
  const vhost = only(virtualHosts(wsgiConf({ services: [helloService('/hello')] })));
  const daemon = vhost.body.find((line) => line.startsWith('WSGIDaemonProcess '));
  t.truthy(daemon);
  const words = daemon!.split(/\s+/);
  t.is(words[1], 'clam-hello');
  for (const option of ['user=clam', 'group=clam', 'python-home=/opt/clam/hello/current/venv', 'threads=15', 'maximum-requests=10000']) {
    t.true(words.includes(option), option);
  }
  t.deepEqual(locationBlock(vhost.body, '/hello')?.filter((line) => line.startsWith('WSGI')), ['WSGIProcessGroup clam-hello', 'WSGIApplicationGroup %{GLOBAL}']);
});

test('mod_wsgi: WSGIPassAuthorization On, the script alias to the env wrapper, no uWSGI proxy', (t) => {
  const vhost = only(virtualHosts(wsgiConf({ services: [helloService('/hello')] })));
  t.true(vhost.body.includes('WSGIPassAuthorization On'));
  t.true(vhost.body.includes('WSGIScriptAlias /hello /etc/clam/hello/app.wsgi'));
  t.false(vhost.body.some((line) => line.startsWith('ProxyPass')));
  const directory = vhost.body.indexOf('<Directory /etc/clam/hello>');
  t.deepEqual(vhost.body.slice(directory + 1, directory + 4), ['<Files app.wsgi>', 'Require all granted', '</Files>']);
});

test('mod_wsgi at the root next to /other: aliases longest first, process groups bound per location', (t) => {
  const vhost = only(virtualHosts(wsgiConf({ services: [helloService('/', { pip_packages: ['clam'] }), helloService('/other', { name: 'other' })] })));
  t.deepEqual(vhost.body.filter((line) => /^(WSGIScriptAlias|Alias) /.test(line)), [
    'WSGIScriptAlias /other /etc/clam/other/app.wsgi',
    'Alias /static /opt/clam/hello/static',
    'WSGIScriptAlias / /etc/clam/hello/app.wsgi',
  ]);
  t.deepEqual(locationBlock(vhost.body, '/')?.find((line) => line.startsWith('WSGIProcessGroup')), 'WSGIProcessGroup clam-hello');
  t.deepEqual(locationBlock(vhost.body, '/other')?.find((line) => line.startsWith('WSGIProcessGroup')), 'WSGIProcessGroup clam-other');
  t.true(vhost.body.indexOf('<Location />') < vhost.body.indexOf('<Location /other>'));
});

// --- forwarded headers, timeouts, big headers

const forwardedHeaders = (vhost: { body: string[] }) => vhost.body.filter((line) => line.startsWith('RequestHeader ') && line.includes('X-Forwarded-'));

test('X-Forwarded-* are set by Apache to the public host and scheme and the client address, in every mode', (t) => {
  for (const webserver of ['apache-uwsgi', 'apache-wsgi']) {
    t.deepEqual(forwardedHeaders(only(virtualHosts(conf({ webserver, services: [helloService('/')] })))), [
      'RequestHeader set X-Forwarded-Host "web1"',
      'RequestHeader set X-Forwarded-Proto "http"',
      'RequestHeader set X-Forwarded-For "expr=%{REMOTE_ADDR}"',
    ], webserver);
  }
  t.deepEqual(forwardedHeaders(only(virtualHosts(conf({ http_port: 8080, services: [helloService('/')] })))).slice(0, 2), [
    'RequestHeader set X-Forwarded-Host "web1:8080"',
    'RequestHeader set X-Forwarded-Proto "http"',
  ]);
  const [http, https] = virtualHosts(conf({ tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, services: [helloService('/')] }));
  t.deepEqual(forwardedHeaders(http!), [], 'the redirect proxies nothing');
  t.deepEqual(forwardedHeaders(https!).slice(0, 2), ['RequestHeader set X-Forwarded-Host "web1"', 'RequestHeader set X-Forwarded-Proto "https"']);
});

test('with trusted_proxies: the headers are set only for requests from elsewhere (a proxy\'s are kept)', (t) => {
  const vhost = only(virtualHosts(conf({ public_url: 'https://clam.example.org', trusted_proxies: ['10.0.0.0/8', '2001:db8::/32'], services: [helloService('/')] })));
  const condition = `"expr=! -R '10.0.0.0/8' && ! -R '2001:db8::/32'"`;
  t.deepEqual(forwardedHeaders(vhost), [
    `RequestHeader set X-Forwarded-Host "clam.example.org" ${condition}`,
    `RequestHeader set X-Forwarded-Proto "https" ${condition}`,
    `RequestHeader set X-Forwarded-For "expr=%{REMOTE_ADDR}" ${condition}`,
  ]);
});

test('request_timeout: ProxyPass timeout= with uWSGI, socket-timeout= of the mod_wsgi daemons', (t) => {
  const services = [shoutService('/shout'), helloService('/hello', { request_timeout: 30 })];
  const proxied = only(virtualHosts(conf({ services })));
  t.deepEqual(proxied.body.filter((line) => line.startsWith('ProxyPass /shout ') || line.startsWith('ProxyPass /hello ')), [
    'ProxyPass /shout uwsgi://127.0.0.1:8888/shout timeout=600 retry=0',
    'ProxyPass /hello uwsgi://127.0.0.1:8889/hello timeout=30 retry=0',
  ]);
  const daemons = only(virtualHosts(wsgiConf({ services }))).body.filter((line) => line.startsWith('WSGIDaemonProcess '));
  t.deepEqual(daemons.map((line) => line.split(/\s+/).filter((word) => word.startsWith('socket-timeout='))), [['socket-timeout=600'], ['socket-timeout=30']]);
});

test('request header fields up to 64 KiB (single sign-on cookies)', (t) => {
  for (const webserver of ['apache-uwsgi', 'apache-wsgi']) {
    t.true(only(virtualHosts(conf({ webserver, services: [helloService('/')] }))).body.includes('LimitRequestFieldSize 65536'), webserver);
  }
});
