/**
 * Issue 16: `auth` as the schema gives it to the playbook: the host's for every service unless a
 * service has its own, public paths given to the services they lie under, and every password a
 * secret of the run whatever the name of the variable it came from.
 */
import test from 'ava';
import { SECRET_MASK, secrets } from '../../../src/core/secrets.js';
import { helloService, hostVars, services } from '../templates/render.js';

test("the host's auth for every service, a service's own instead, none with auth: null", (t) => {
  const vars = hostVars({
    auth: { users: { alice: 'pw-host-1' }, allow_from: ['192.0.2.0/24'], public: ['/a/static', '/b/static/', '/c/static'] },
    services: [helloService('/a'), helloService('/b'), helloService('/c', { auth: { users: { bob: 'pw-own-2' } } }), helloService('/d', { auth: null })],
  });
  const [a, b, c, d] = services(vars);
  t.deepEqual(a!.auth, { users: { alice: 'pw-host-1' }, allow_from: ['192.0.2.0/24'], public: ['/a/static'], public_pattern: '(?:/a/static)(?:/|\\z)' });
  t.deepEqual(b!.auth!.public, ['/b/static'], 'a trailing slash is dropped');
  t.deepEqual(c!.auth, { users: { bob: 'pw-own-2' }, allow_from: null, public: [], public_pattern: null });
  t.is(d!.auth, null);
  t.is(a!.htpasswd_file, '/etc/clam/a/htpasswd');
});

test('a public path with characters special to regular expressions matches only itself', (t) => {
  const [service] = services(hostVars({ services: [helloService('/tools', { auth: { allow_from: ['192.0.2.1'], public: ['/tools/v1.2+(x)'] } })] }));
  t.is(service!.auth!.public_pattern, '(?:/tools/v1\\.2\\+\\(x\\))(?:/|\\z)');
});

test('every password is a secret of the run, also from a variable whose name does not say so', (t) => {
  hostVars({ auth: { users: { alice: 'plain-word-6611' } }, services: [helloService('/a', { auth: { users: { bob: 'other-word-7722' } } })] });
  t.is(secrets.mask('alice plain-word-6611'), `alice ${SECRET_MASK}`);
  t.is(secrets.mask('other-word-7722'), SECRET_MASK);
});
