/**
 * Issue 16: `auth` as the webservers get it. nginx: per service a map of its public paths, a geo of
 * allow_from, 403 before the password is asked, auth_basic off on public paths; Apache: AuthType
 * Basic with <RequireAll> of valid-user and Require ip in the service's <Location>, public paths
 * granted after it. In every mode the service gets the authenticated user in X-Remote-User, which a
 * client cannot set.
 */
import test from 'ava';
import { directives, helloService, hostVars, render, shoutService } from './render.js';

const ALICE = 'alice-pw-5150';
const AUTH = { users: { alice: ALICE }, allow_from: ['10.0.0.0/8', '2001:db8::/32'], public: ['/shout/static'] };

function nginx(inventoryVars: Record<string, unknown>): string[] {
  return directives(render('nginx-clam.conf.ejs', hostVars(inventoryVars)));
}

function apache(webserver: string, inventoryVars: Record<string, unknown>): string[] {
  return directives(render('apache-clam.conf.ejs', hostVars({ webserver, ...inventoryVars })));
}

/** The lines of the block opened by `header` (nested blocks flattened), nginx braces or Apache tags. */
function block(lines: string[], header: string): string[] | undefined {
  const start = lines.indexOf(header);
  if (start < 0) return undefined;
  const body: string[] = [];
  let depth = 1;
  for (const line of lines.slice(start + 1)) {
    depth += (line.match(/\{$|^<[A-Za-z]/g) ?? []).length - (line.match(/^\}|^<\//g) ?? []).length;
    if (depth === 0) return body;
    body.push(line);
  }
  return body;
}

/** The public-path regex of a service's nginx map, for JavaScript (PCRE's \z: the end, as $ without m). */
function nginxPublic(lines: string[], name: string): RegExp {
  const entry = block(lines, `map $uri $clam_${name}_public {`)!.find((line) => line.startsWith('"~'))!;
  return new RegExp(entry.slice(2, entry.lastIndexOf('"')).replace(/\\z/g, '$'));
}

test('nginx: every location of the service asks for the password and refuses other addresses; the redirect and other services do not', (t) => {
  const lines = nginx({ services: [shoutService('/shout', { auth: AUTH }), helloService('/hello')] });
  const guard = ['if ($clam_shout_refused) {', 'return 403;', '}', 'auth_basic $clam_shout_realm;', 'auth_basic_user_file /etc/clam/shout/htpasswd;'];
  for (const location of ['location /shout/static/ {', 'location /shout/ {', 'location /.clam-html/shout/ {']) {
    const body = block(lines, location);
    t.truthy(body, location);
    t.true(body!.join('\n').includes(guard.join('\n')), location);
  }
  t.deepEqual(block(lines, 'location = /shout {'), ['rewrite ^ /shout/;']);
  t.false(block(lines, 'location /hello/ {')!.some((line) => line.startsWith('auth_basic') || line.startsWith('if')));
  t.deepEqual(block(lines, 'geo $clam_shout_address_allowed {'), ['default 0;', '10.0.0.0/8 1;', '2001:db8::/32 1;']);
  t.deepEqual(block(lines, 'map "$clam_shout_public$clam_shout_address_allowed" $clam_shout_refused {'), ['00 1;', 'default 0;']);
  t.deepEqual(block(lines, 'map $clam_shout_public $clam_shout_realm {'), ['1 off;', 'default "shout";']);
  t.false(lines.some((line) => line.includes(ALICE)), 'no password in the configuration');
});

test('nginx: public paths match themselves and what lies below them, also as the HTML rendering rewrites them', (t) => {
  const lines = nginx({ services: [shoutService('/shout', { auth: { ...AUTH, public: ['/shout/static', '/shout/info.v2/'] } })] });
  const isPublic = nginxPublic(lines, 'shout');
  for (const path of ['/shout/static', '/shout/static/', '/shout/static/interface.xsl', '/.clam-html/shout/shout/static/x', '/shout/info.v2']) t.true(isPublic.test(path), path);
  for (const path of ['/shout/', '/shout/staticx', '/shout/x/shout/static', '/shout/infoxv2', '/.clam-html/other/shout/static/x', '/static']) t.false(isPublic.test(path), path);
});

test('nginx: the user reaches the service only as nginx authenticated it (never on a public path, never from the client)', (t) => {
  const lines = nginx({ services: [shoutService('/shout', { auth: AUTH }), helloService('/hello')] });
  t.deepEqual(block(lines, 'map $clam_shout_public $clam_shout_user {'), ['1 "";', 'default $remote_user;']);
  const shout = block(lines, 'location /shout/ {')!;
  t.true(shout.includes('uwsgi_param HTTP_X_REMOTE_USER $clam_shout_user if_not_empty;'));
  t.true(shout.includes('uwsgi_param REMOTE_USER $clam_shout_user if_not_empty;'));
  // a uwsgi_param of that name makes nginx drop the client's header; an empty one is not sent
  const hello = block(lines, 'location /hello/ {')!;
  t.true(hello.includes('uwsgi_param HTTP_X_REMOTE_USER "" if_not_empty;'));
  const addressOnly = nginx({ services: [helloService('/hello', { auth: { allow_from: ['192.0.2.0/24'] } })] });
  t.false(addressOnly.some((line) => line.startsWith('auth_basic')), 'no password without users');
  t.deepEqual(block(addressOnly, 'map $clam_hello_public $clam_hello_user {'), ['1 "";', 'default "";']);
});

for (const webserver of ['apache-uwsgi', 'apache-wsgi']) {
  test(`${webserver}: Basic authentication and Require ip, both required, in the service's <Location>; public paths granted after it`, (t) => {
    const lines = apache(webserver, { services: [shoutService('/shout', { auth: AUTH }), helloService('/', { name: 'hello' })] });
    const shout = block(lines, '<Location /shout>')!;
    for (const line of ['AuthType Basic', 'AuthName "shout"', 'AuthBasicProvider file', 'AuthUserFile /etc/clam/shout/htpasswd']) t.true(shout.includes(line), line);
    t.deepEqual(block(shout, '<RequireAll>'), ['Require valid-user', 'Require ip 10.0.0.0/8 2001:db8::/32']);
    // <Location> sections merge in file order: the service at / must not take the access control of /shout, nor undo it
    t.true(block(lines, '<Location />')!.includes('Require all granted'));
    t.true(lines.indexOf('<Location />') < lines.indexOf('<Location /shout>'));
    const publicAt = lines.indexOf('<LocationMatch "^(?:/shout/static)(?:/|\\z)">');
    t.true(publicAt > lines.indexOf('<Location /shout>'), 'the public paths come after the service');
    t.deepEqual(block(lines, lines[publicAt]!), ['Require all granted']);
    t.false(lines.some((line) => line.includes(ALICE)));
  });

  test(`${webserver}: the service gets the authenticated user in X-Remote-User, a client's header is dropped; Authorization reaches it`, (t) => {
    const lines = apache(webserver, { services: [shoutService('/shout', { auth: AUTH })] });
    const unset = lines.indexOf('RequestHeader unset X-Remote-User');
    t.true(unset >= 0);
    t.is(lines[unset + 1], 'RequestHeader set X-Remote-User "expr=%{REMOTE_USER}" "expr=-n %{REMOTE_USER}"');
    // mod_proxy_uwsgi passes Authorization itself; mod_wsgi only with WSGIPassAuthorization
    t.is(lines.includes('WSGIPassAuthorization On'), webserver === 'apache-wsgi');
  });
}

test('Apache with only allow_from: Require ip, no AuthType; without auth anywhere nothing is added to the <Location>', (t) => {
  const lines = apache('apache-uwsgi', { services: [helloService('/hello', { auth: { allow_from: ['192.0.2.7'] } })] });
  const hello = block(lines, '<Location /hello>')!;
  t.false(hello.some((line) => line.startsWith('Auth')));
  t.deepEqual(block(hello, '<RequireAll>'), ['Require ip 192.0.2.7']);
  t.deepEqual(block(apache('apache-uwsgi', { services: [helloService('/hello')] }), '<Location /hello>'), ['LimitRequestBody 1073741824']);
});

test("the host's auth applies to every service; a service's own replaces it, and auth: null opens a service", (t) => {
  const lines = nginx({
    auth: { users: { alice: ALICE }, public: ['/a/static', '/b/static'] },
    services: [helloService('/a'), helloService('/b', { auth: { allow_from: ['192.0.2.0/24'] } }), helloService('/c', { auth: null })],
  });
  t.true(block(lines, 'location /a/ {')!.includes('auth_basic $clam_a_realm;'));
  t.true(nginxPublic(lines, 'a').test('/a/static/x'));
  t.false(nginxPublic(lines, 'a').test('/b/static/x'), "a service takes only the host's public paths under its prefix");
  const b = block(lines, 'location /b/ {')!;
  t.false(b.some((line) => line.startsWith('auth_basic')));
  t.true(b.includes('if ($clam_b_refused) {'));
  t.false(block(lines, 'location /c/ {')!.some((line) => line.startsWith('auth_basic') || line.startsWith('if')));
});
