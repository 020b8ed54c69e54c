/** Issue 19: a host's facts fingerprint: the same host gives the same one; a change names the fact; clocks and process ids do not count. */
import test from 'ava';
import { changedFacts, factsFingerprint } from '../../../src/plan-file/fingerprint.js';
import { fileFact, hostFacts, MISSING } from '../modules/host-facts.js';

function facts() {
  return hostFacts({
    files: new Map([
      ['/etc/nginx/conf.d/app.conf', fileFact('server { listen 80; }\n')],
      ['/etc/clam/app/env', MISSING],
    ]),
    services: new Map([['nginx', { exists: true, active: 'active', enabled: 'enabled', mainPid: 100, manager: 'systemd' as const }]]),
    packages: new Map([['nginx', { installed: true, version: '1.22.1-9' }]]),
  });
}

test('the same facts give the same fingerprint, whatever the order the maps were filled in', (t) => {
  const a = facts();
  const b = facts();
  b.files = new Map([...b.files].reverse());
  t.deepEqual(factsFingerprint(a), factsFingerprint(b));
  t.deepEqual(changedFacts(factsFingerprint(a), factsFingerprint(b)), []);
});

test('a file edited by hand: the fingerprint differs and names that file', (t) => {
  const planned = factsFingerprint(facts());
  const now = facts();
  now.files.set('/etc/nginx/conf.d/app.conf', fileFact('server { listen 8080; }\n'));
  t.deepEqual(changedFacts(planned, factsFingerprint(now)), ['files /etc/nginx/conf.d/app.conf']);
});

test('a mode, a package version, a file that appeared: each named', (t) => {
  const planned = factsFingerprint(facts());
  const now = facts();
  now.files.set('/etc/nginx/conf.d/app.conf', fileFact('server { listen 80; }\n', { mode: 0o600 }));
  now.files.set('/etc/clam/app/env', fileFact('A=1\n'));
  now.packages.set('nginx', { installed: true, version: '1.22.1-10' });
  t.deepEqual(changedFacts(planned, factsFingerprint(now)), ['files /etc/clam/app/env', 'files /etc/nginx/conf.d/app.conf', 'packages nginx']);
});

test('what changes while the host does not: the age of the apt lists, PIDs, the controller address', (t) => {
  const planned = factsFingerprint(facts());
  const now = facts();
  now.aptListsAge = 99_999;
  now.sshClientAddress = '192.0.2.44';
  now.services.set('nginx', { ...now.services.get('nginx')!, mainPid: 4242 });
  t.deepEqual(changedFacts(planned, factsFingerprint(now)), []);
});

test('a fact name holding a secret (a probe command line) is masked in the fingerprint', async (t) => {
  const { secrets } = await import('../../../src/core/secrets.js');
  secrets.add('probe-s3cret-token-55');
  const withProbe = facts();
  withProbe.probes = new Map([['curl -H "X-Token: probe-s3cret-token-55" localhost', 0]]);
  const text = JSON.stringify(factsFingerprint(withProbe));
  t.false(text.includes('probe-s3cret-token-55'));
  t.true(text.includes('probes curl -H'));
});

test('the processes holding a port count as a set: webserver workers come and go with the load', (t) => {
  const worker = (pid: number) => ({ pid, ppid: 1, comm: 'apache2', argv: ['/usr/sbin/apache2', '-k', 'start'], user: 'www-data', unit: 'apache2.service', unitMainPid: 1 });
  const planned = facts();
  planned.listeners = new Map([[80, [worker(10), worker(11)]]]);
  const now = facts();
  now.listeners = new Map([[80, [worker(12), worker(13), worker(14)]]]);
  t.deepEqual(changedFacts(factsFingerprint(planned), factsFingerprint(now)), []);
  now.listeners = new Map([[80, [{ ...worker(15), comm: 'python3', unit: 'session-3.scope' }]]]);
  t.deepEqual(changedFacts(factsFingerprint(planned), factsFingerprint(now)), ['listeners 80']);
});
