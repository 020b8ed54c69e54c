import test from 'ava';
import { parseFactsOutput } from '../../../src/facts/parse.js';
import { buildFactsScript } from '../../../src/facts/script.js';
import type { HostFacts } from '../../../src/facts/types.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { directoryFact, fileFact, hostFacts, MISSING } from '../modules/host-facts.js';

function described(): HostFacts {
  return hostFacts({
    sshClientAddress: '203.0.113.7',
    sshPort: 2222,
    aptListsAge: 3600,
    files: new Map([
      ['/etc/app.conf', fileFact('a = 1\n', { mode: 0o640, group: 'app' })],
      ['/srv/app', directoryFact({ owner: 'app' })],
      ['/etc/missing', MISSING],
      ['/etc/link', { exists: true, type: 'link', mode: 0o777, owner: 'root', group: 'root', size: 9, linkTarget: '/etc/app.conf' }],
    ]),
    trees: new Map([
      ['/srv/site', { exists: true, entries: new Map([['index.html', { type: 'file', mode: 0o644, owner: 'root', group: 'root', sha256: 'a'.repeat(64) }], ['css', { type: 'directory', mode: 0o755, owner: 'root', group: 'root' }]]) }],
      ['/srv/none', { exists: false, entries: new Map() }],
    ]),
    packages: new Map([
      // in the parser's order: what dpkg knows, then what only apt knows
      ['nginx', { installed: true, version: '1.22.1-9' }],
      ['uwsgi', { installed: false, configFiles: true, candidate: '2.0.21-5.1' }],
      ['apache2', { installed: false, candidate: '2.4.62-1~deb12u2' }],
      ['no-such-package', { installed: false, candidate: null }],
    ]),
    services: new Map([
      ['nginx', { manager: 'systemd', exists: true, active: 'active', enabled: 'enabled', mainPid: 812 }],
      ['clam-shout', { manager: 'systemd', exists: true, active: 'inactive', enabled: 'masked', needsDaemonReload: true }],
      ['gone', { manager: 'systemd', exists: false, active: 'inactive', enabled: '' }],
    ]),
    venvs: new Map([
      ['/opt/clam/shout/env', { exists: true, python: '3.11.2', packages: new Map([['clam', '3.3.0'], ['clam-server', '1.0']]), markers: new Map([['requirements', 'clam==3.3.0']]) }],
      ['/opt/none', { exists: false, packages: new Map(), markers: new Map() }],
    ]),
    users: new Map([
      ['clam', { exists: true, uid: 998, gid: 998, group: 'clam', home: '/opt/clam', shell: '/usr/sbin/nologin', groups: ['www-data'] }],
      ['nobody-here', { exists: false, groups: [] }],
    ]),
    groups: new Map([
      ['clam', { exists: true, gid: 998 }],
      ['nogroup-here', { exists: false }],
    ]),
    probes: new Map([
      ['test -e /x', 1],
      ['true', 0],
    ]),
  });
}

test('the fake host answers the facts command with output that parses back into the facts it was given', async (t) => {
  const facts = described();
  const host = new FakeHost('10.0.0.1', facts).connect();
  const output = await host.run(buildFactsScript([{ kind: 'file', path: '/etc/app.conf', content: true }]));
  t.is(output.code, 0);
  t.deepEqual(parseFactsOutput(output.stdout), facts);
  t.is(host.factsReads, 1);
  t.deepEqual(host.taskScripts, [], 'the facts command is not a task script');
});

test('task scripts are recorded and answered as scripted; an effect changes what the next facts command reports', async (t) => {
  const host = new FakeHost('10.0.0.1', hostFacts())
    .on('fails', { code: 2, stderr: 'no such thing\n' })
    .on('creates', { effect: (facts) => facts.files.set('/made', fileFact('x')) })
    .connect();
  t.deepEqual(await host.run('echo fails'), { code: 2, stdout: '', stderr: 'no such thing\n' });
  t.deepEqual(await host.run('echo creates'), { code: 0, stdout: '', stderr: '' });
  t.deepEqual(await host.run('echo other'), { code: 0, stdout: '', stderr: '' });
  t.deepEqual(host.taskScripts, ['echo fails', 'echo creates', 'echo other']);
  t.true(parseFactsOutput((await host.run(buildFactsScript([]))).stdout).files.get('/made')?.exists);
  t.is(host.commands, 4);
});
