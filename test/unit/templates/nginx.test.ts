import test from 'ava';
import { directives, helloService, hostVars, lineIndex, render, shoutService } from './render.js';

function conf(inventoryVars: Record<string, unknown>): string {
  return render('nginx-clam.conf.ejs', hostVars(inventoryVars));
}

/** Each top-level block (server, map, geo): its opening line and its directive lines. */
function topBlocks(text: string): Array<{ header: string; body: string[] }> {
  const blocks: Array<{ header: string; body: string[] }> = [];
  let depth = 0;
  let current: { header: string; body: string[] } = { header: '', body: [] };
  for (const line of directives(text)) {
    const change = (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth === 0) {
      if (change !== 1) throw new Error(`a directive outside any block: ${line}`);
      current = { header: line, body: [] };
      depth = 1;
      continue;
    }
    depth += change;
    if (depth === 0) blocks.push(current);
    else current.body.push(line);
  }
  if (depth !== 0) throw new Error(`unbalanced braces (depth ${depth})`);
  return blocks;
}

/** The directive lines of each top-level server{} block. */
function serverBlocks(text: string): string[][] {
  return topBlocks(text)
    .filter((block) => block.header === 'server {')
    .map((block) => block.body);
}

/** The lines inside `location <spec> {` … `}` (nested blocks flattened). */
function location(lines: string[], spec: string): string[] | undefined {
  const start = lines.indexOf(`location ${spec} {`);
  if (start < 0) return undefined;
  const body: string[] = [];
  let depth = 1;
  for (const line of lines.slice(start + 1)) {
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth === 0) return body;
    body.push(line);
  }
  return body;
}

test('at the root: one server block on port 80 passing everything to uWSGI', (t) => {
  const blocks = serverBlocks(conf({ services: [helloService('/')] }));
  t.is(blocks.length, 1);
  const server = blocks[0]!;
  t.true(server.includes('listen 80;'));
  t.true(server.includes('server_name web1;'));
  const app = location(server, '/');
  t.truthy(app);
  t.true(app!.includes('include uwsgi_params;'));
  t.true(app!.includes('uwsgi_pass 127.0.0.1:8888;'));
  t.false(server.some((line) => line.startsWith('rewrite')), 'no prefix redirect at the root');
});

test('under /hello: /hello is rewritten to /hello/, and /hello/ goes to uWSGI with the full path', (t) => {
  const server = serverBlocks(conf({ services: [helloService('/hello')] }))[0]!;
  t.deepEqual(location(server, '= /hello'), ['rewrite ^ /hello/;']);
  const app = location(server, '/hello/');
  t.truthy(app);
  t.true(app!.includes('uwsgi_pass 127.0.0.1:8888;'));
  t.deepEqual(location(server, '/'), ['return 404;'], 'nothing is served at the root');
});

test('two services share one server block, each under its own prefix and port', (t) => {
  const blocks = serverBlocks(conf({ services: [helloService('/'), helloService('/other', { name: 'other' })] }));
  t.is(blocks.length, 1);
  const server = blocks[0]!;
  t.true(location(server, '/')!.includes('uwsgi_pass 127.0.0.1:8888;'));
  t.true(location(server, '/other/')!.includes('uwsgi_pass 127.0.0.1:8889;'));
});

test('the static alias comes before the app location and ends in a slash on both sides', (t) => {
  const text = conf({ services: [helloService('/hello', { pip_packages: ['clam'] })] });
  const server = serverBlocks(text)[0]!;
  t.deepEqual(location(server, '/hello/static/'), ['alias /opt/clam/hello/static/;']);
  t.true(lineIndex(text, 'location /hello/static/') < lineIndex(text, 'location /hello/ '));
});

test('an explicit static directory at the root', (t) => {
  const server = serverBlocks(conf({ services: [helloService('/', { static: { url: '/static', dir: '/srv/static/' } })] }))[0]!;
  t.deepEqual(location(server, '/static/'), ['alias /srv/static/;']);
});

test('.xsl is served as XML, on top of the full mime.types', (t) => {
  const server = serverBlocks(conf({ services: [helloService('/')] }))[0]!;
  t.true(server.includes('include mime.types;'));
  const types = server.indexOf('types {');
  t.true(types >= 0);
  t.is(server[types + 1], 'application/xml xsl;');
});

test('client_max_body_size: 1g by default, per service otherwise', (t) => {
  const server = serverBlocks(conf({ services: [helloService('/'), helloService('/big', { name: 'big', client_max_body_size: '125m' })] }))[0]!;
  t.true(location(server, '/')!.includes('client_max_body_size 1g;'));
  t.true(location(server, '/big/')!.includes('client_max_body_size 125m;'));
});

test('http_port and server_name', (t) => {
  const server = serverBlocks(conf({ http_port: 8080, server_name: 'clam.example.org', services: [helloService('/')] }))[0]!;
  t.true(server.includes('listen 8080;'));
  t.true(server.includes('server_name clam.example.org;'));
  t.false(server.includes('listen 80;'));
});

test('with tls: HTTP redirects to HTTPS, the services are served on 443 with the copied certificate', (t) => {
  const blocks = serverBlocks(conf({ tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, services: [helloService('/hello')] }));
  t.is(blocks.length, 2);
  const [redirect, https] = blocks as [string[], string[]];
  t.true(redirect.includes('listen 80;'));
  t.true(redirect.includes('return 301 https://$host$request_uri;'));
  t.false(redirect.some((line) => line.startsWith('uwsgi_pass')));
  t.true(https.includes('listen 443 ssl;'));
  t.true(https.includes('ssl_certificate /etc/clam/tls/cert.pem;'));
  t.true(https.includes('ssl_certificate_key /etc/clam/tls/key.pem;'));
  t.false(https.includes('listen 80;'));
  t.true(location(https, '/hello/')!.includes('uwsgi_pass 127.0.0.1:8888;'));
});

test('nginx_extra goes inside our server block', (t) => {
  const text = conf({ nginx_extra: 'add_header X-Clam yes;\nno_such_directive on;\n', services: [helloService('/')] });
  const server = serverBlocks(text)[0]!;
  t.true(server.includes('add_header X-Clam yes;'));
  t.true(server.includes('no_such_directive on;'));
});

test('nginx_extra with tls goes into the HTTPS server, not the redirect', (t) => {
  const blocks = serverBlocks(conf({ tls: { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' }, nginx_extra: 'add_header X-Clam yes;', services: [helloService('/')] }));
  t.false(blocks[0]!.includes('add_header X-Clam yes;'));
  t.true(blocks[1]!.includes('add_header X-Clam yes;'));
});

// --- forwarded headers, timeouts, server-side rendering of CLAM's interface

const tls = { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' };

/** Every location of a server block that passes to uWSGI: its spec and lines. */
function uwsgiLocations(server: string[]): Array<{ spec: string; lines: string[] }> {
  return server
    .map((line) => /^location (.+) \{$/.exec(line)?.[1])
    .filter((spec): spec is string => spec !== undefined)
    .map((spec) => ({ spec, lines: location(server, spec)! }))
    .filter((found) => found.lines.some((line) => line.startsWith('uwsgi_pass ')));
}

/** What an nginx `map` block gives for `input`: the first regex that matches (~, ~* without case), else the default. */
function mapValue(block: { header: string; body: string[] }, input: string): string {
  let fallback = '';
  for (const line of block.body) {
    const entry = /^"?(~\*?)?(.*?)"?\s+(\S+);$/.exec(line);
    if (!entry) throw new Error(`not a map entry: ${line}`);
    const [, regex, key, value] = entry as unknown as [string, string | undefined, string, string];
    if (regex === undefined) {
      if (key === 'default') fallback = value;
      else if (key === input) return value;
      continue;
    }
    const match = new RegExp(key, regex === '~*' ? 'i' : '').exec(input);
    if (match) return value.replace(/\$(\w+)/g, (_all, name: string) => match.groups?.[name] ?? `$${name}`);
  }
  return fallback;
}

function block(text: string, header: string): { header: string; body: string[] } {
  const found = topBlocks(text).find((candidate) => candidate.header === header);
  if (!found) throw new Error(`no block '${header}' in:\n${text}`);
  return found;
}

const forwarded = (host: string, proto: string, address: string) => [
  `uwsgi_param HTTP_X_FORWARDED_HOST ${host};`,
  `uwsgi_param HTTP_X_FORWARDED_PROTO ${proto};`,
  `uwsgi_param HTTP_X_FORWARDED_FOR ${address};`,
];

test('X-Forwarded-* are set by nginx to the public host and scheme and the client address; what clients send never passes', (t) => {
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{}, forwarded('"web1"', 'http', '$remote_addr')],
    [{ http_port: 8080, server_name: 'clam.example.org' }, forwarded('"clam.example.org:8080"', 'http', '$remote_addr')],
    [{ tls }, forwarded('"web1"', 'https', '$remote_addr')],
    [{ public_url: 'https://tools.example.org:8443' }, forwarded('"tools.example.org:8443"', 'https', '$remote_addr')],
  ];
  for (const [vars, expected] of cases) {
    const text = conf({ ...vars, services: [shoutService('/shout'), helloService('/hello')] });
    const locations = uwsgiLocations(serverBlocks(text).at(-1)!);
    t.deepEqual(locations.map((found) => found.spec), ['/shout/', '/.clam-html/shout/', '/hello/']);
    for (const found of locations) {
      t.deepEqual(found.lines.filter((line) => line.includes('X_FORWARDED')), expected, `${JSON.stringify(vars)} ${found.spec}`);
    }
    t.false(text.includes('$http_x_forwarded'), 'no client X-Forwarded-* header is passed on');
    t.false(topBlocks(text).some((found) => found.header.startsWith('geo ')));
  }
});

test('with trusted_proxies: a proxy\'s X-Forwarded-* are kept, anyone else\'s replaced (geo and maps outside the server)', (t) => {
  const text = conf({ http_port: 8080, trusted_proxies: ['10.0.0.0/8', '2001:db8::/32'], services: [shoutService('/shout'), helloService('/hello')] });
  const geo = block(text, 'geo $clam_from_trusted_proxy {');
  t.deepEqual(geo.body, ['default 0;', '10.0.0.0/8 1;', '2001:db8::/32 1;']);
  const host = block(text, 'map "$clam_from_trusted_proxy|$http_x_forwarded_host" $clam_forwarded_host {');
  t.is(mapValue(host, '1|clam.example.org'), 'clam.example.org');
  t.is(mapValue(host, '0|evil.example'), '"web1:8080"');
  t.is(mapValue(host, '1|'), '"web1:8080"', 'a proxy that sends none: the public host');
  const proto = block(text, 'map "$clam_from_trusted_proxy|$http_x_forwarded_proto" $clam_forwarded_proto {');
  t.is(mapValue(proto, '1|https'), 'https');
  t.is(mapValue(proto, '0|https'), '"http"');
  t.is(mapValue(proto, '1|javascript'), '"http"');
  const addresses = block(text, 'map $clam_from_trusted_proxy $clam_forwarded_for {');
  t.is(mapValue(addresses, '1'), '$proxy_add_x_forwarded_for');
  t.is(mapValue(addresses, '0'), '$remote_addr');
  for (const found of uwsgiLocations(serverBlocks(text)[0]!)) {
    t.deepEqual(found.lines.filter((line) => line.includes('X_FORWARDED')), forwarded('$clam_forwarded_host', '$clam_forwarded_proto', '$clam_forwarded_for'), found.spec);
  }
  t.false(serverBlocks(text).flat().some((line) => line.includes('$http_x_forwarded')), 'the client\'s headers only through the maps');
});

test('uwsgi_read_timeout and uwsgi_send_timeout follow request_timeout (600 s by default), in every location of the service', (t) => {
  const server = serverBlocks(conf({ services: [shoutService('/shout'), helloService('/hello', { request_timeout: 30 })] }))[0]!;
  const timeouts = (spec: string) => location(server, spec)!.filter((line) => /^uwsgi_(read|send)_timeout /.test(line));
  t.deepEqual(timeouts('/shout/'), ['uwsgi_read_timeout 600s;', 'uwsgi_send_timeout 600s;']);
  t.deepEqual(timeouts('/.clam-html/shout/'), ['uwsgi_read_timeout 600s;', 'uwsgi_send_timeout 600s;']);
  t.deepEqual(timeouts('/hello/'), ['uwsgi_read_timeout 30s;', 'uwsgi_send_timeout 30s;']);
});

test('request headers up to 64 KiB (single sign-on cookies) in the server that serves the services', (t) => {
  t.true(serverBlocks(conf({ services: [helloService('/')] }))[0]!.includes('large_client_header_buffers 4 64k;'));
  const [redirect, https] = serverBlocks(conf({ tls, services: [helloService('/')] })) as [string[], string[]];
  t.true(https.includes('large_client_header_buffers 4 64k;'));
  t.false(redirect.some((line) => line.startsWith('uwsgi_')));
});

test('server-side XSLT: browsers navigating to a CLAM service go to an internal location that renders with CLAM\'s interface.xsl', (t) => {
  const text = conf({ services: [shoutService('/shout'), helloService('/hello')] });
  const server = serverBlocks(text)[0]!;
  const app = location(server, '/shout/')!;
  const divert = app.indexOf('if ($clam_render_html) {');
  t.true(divert >= 0);
  t.is(app[divert + 1], 'rewrite ^ /.clam-html/shout$uri last;');
  const html = location(server, '/.clam-html/shout/')!;
  t.is(html[0], 'internal;', 'not reachable from outside');
  t.true(html.includes('xslt_stylesheet /opt/clam/shout/static/interface.xsl;'));
  // CLAM answers application/xml
  t.true(html.find((line) => line.startsWith('xslt_types '))?.slice(0, -1).split(' ').includes('application/xml'));
  t.true(html.includes('uwsgi_pass 127.0.0.1:8888;'));
  // the URI the browser asked for lands in the internal location, whose rewrite gives it back to uWSGI
  const diverted = app[divert + 1]!.split(' ')[2]!.replace('$uri', '/shout/project/x');
  t.true(diverted.startsWith('/.clam-html/shout/'));
  const back = /^rewrite (\S+) (\S+) break;$/.exec(html.find((line) => line.startsWith('rewrite '))!)!;
  t.is(diverted.replace(new RegExp(back[1]!), back[2]!), '/shout/project/x');
  // the plain WSGI service is not touched
  t.false(location(server, '/hello/')!.some((line) => line.includes('clam_render_html')));
  t.is(location(server, '/.clam-html/hello/'), undefined);
});

test('server-side XSLT: only browser navigation is rendered; scripts and API clients get CLAM\'s XML', (t) => {
  const map = block(conf({ services: [shoutService('/shout')] }), 'map "$http_x_requested_with|$http_accept" $clam_render_html {');
  const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  t.is(mapValue(map, `|${browser}`), '1');
  t.is(mapValue(map, `|${browser.toUpperCase()}`), '1');
  t.is(mapValue(map, `XMLHttpRequest|${browser}`), '0');
  t.is(mapValue(map, '|application/xml'), '0');
  t.is(mapValue(map, '|*/*'), '0');
});

test('server-side XSLT: at the root, with an explicit static directory; none when off, without static files, or for plain WSGI', (t) => {
  const root = serverBlocks(conf({ services: [shoutService('/', { static: { url: '/assets', dir: '/srv/clam-static/' } })] }))[0]!;
  t.true(location(root, '/')!.includes('rewrite ^ /.clam-html/shout$uri last;'));
  t.true(location(root, '/.clam-html/shout/')!.includes('xslt_stylesheet /srv/clam-static/interface.xsl;'));
  for (const vars of [
    { server_side_xslt: false, services: [shoutService('/shout')] },
    { services: [shoutService('/shout', { static: null })] },
    { services: [helloService('/hello')] },
  ]) {
    const text = conf(vars);
    t.false(text.includes('clam-html'), JSON.stringify(vars));
    t.false(text.includes('xslt_'), JSON.stringify(vars));
    t.false(text.includes('$clam_render_html'), JSON.stringify(vars));
  }
});

// --- the rest of the site when every service is under a prefix

test("every service under a prefix: the rest of the site is a plain 404, not nginx's default page; their locations are kept", (t) => {
  const server = serverBlocks(conf({ services: [shoutService('/shout'), helloService('/hello', { static: { url: '/assets', dir: '/srv/assets' } })] }))[0]!;
  t.deepEqual(location(server, '/'), ['return 404;']);
  t.deepEqual(server.filter((line) => line.startsWith('location')), [
    'location /shout/static/ {',
    'location = /shout {',
    'location /shout/ {',
    'location /.clam-html/shout/ {',
    'location /assets/ {',
    'location = /hello {',
    'location /hello/ {',
    'location / {',
  ]);
  t.deepEqual(location(server, '/shout/static/'), ['alias /opt/clam/shout/static/;']);
  t.deepEqual(location(server, '/assets/'), ['alias /srv/assets/;']);
  t.true(location(server, '/shout/')!.includes('uwsgi_pass 127.0.0.1:8888;'));
  t.true(location(server, '/hello/')!.includes('uwsgi_pass 127.0.0.1:8889;'));
  t.false(server.some((line) => line.startsWith('root ') || line.startsWith('index ')));
});

test('no 404 of ours where something is served at /: a service, static files, or nginx_extra', (t) => {
  const returns404 = (vars: Record<string, unknown>) => serverBlocks(conf(vars)).at(-1)!.includes('return 404;');
  t.false(returns404({ services: [helloService('/'), helloService('/other', { name: 'other' })] }));
  t.false(returns404({ services: [helloService('/hello', { static: { url: '/', dir: '/srv/site' } })] }));
  // a second `location /` would fail nginx -t; a root of its own is there to be served
  t.false(returns404({ nginx_extra: 'location / {\n    root /srv/site;\n}\n', services: [helloService('/hello')] }));
  t.false(returns404({ nginx_extra: 'location ^~ / { return 302 /hello/; }', services: [helloService('/hello')] }));
  t.false(returns404({ nginx_extra: 'root /srv/site;\nindex index.html;', services: [helloService('/hello')] }));
  t.true(returns404({ nginx_extra: 'add_header X-Clam yes;\nlocation = / { return 302 /hello/; }\nlocation /docs/ { alias /srv/docs/; }', services: [helloService('/hello')] }));
  t.true(returns404({ tls, services: [helloService('/hello')] }));
  t.false(serverBlocks(conf({ tls, services: [helloService('/hello')] }))[0]!.includes('return 404;'), 'the redirect server is unchanged');
});
