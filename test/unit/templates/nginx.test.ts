import test from 'ava';
import { directives, helloService, hostVars, lineIndex, render } from './render.js';

function conf(inventoryVars: Record<string, unknown>): string {
  return render('nginx-clam.conf.ejs', hostVars(inventoryVars));
}

/** The directive lines of each top-level server{} block. */
function serverBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  let depth = 0;
  let current: string[] = [];
  for (const line of directives(text)) {
    if (depth === 0 && line === 'server {') {
      current = [];
      depth = 1;
      continue;
    }
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth === 0) blocks.push(current);
    else current.push(line);
  }
  if (depth !== 0) throw new Error(`unbalanced braces (depth ${depth})`);
  return blocks;
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
  t.is(location(server, '/'), undefined, 'nothing is served at the root');
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
