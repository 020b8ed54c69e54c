import test from 'ava';
import { createHash } from 'node:crypto';
import { parseAptPolicy } from '../../../src/facts/kinds/packages.js';
import { parseSystemctlShow } from '../../../src/facts/kinds/service.js';
import { parseDistDirName } from '../../../src/facts/kinds/venv.js';
import { FactsError, parseFactsOutput } from '../../../src/facts/parse.js';
import { parseOsRelease } from '../../../src/facts/prelude.js';
import type { FactRequest } from '../../../src/facts/types.js';

const b = (text: string | Buffer) => `b:${Buffer.from(text).toString('base64')}`;
const key = (text: string) => Buffer.from(text).toString('base64');

/** Output of the facts script on a host, from raw texts as the host's commands print them. */
function output(osRelease: string, records: string[] = [], { init = 'systemd', ssh = '10.0.0.1 50022 10.0.0.5 22', apt = '1700000000 1699990000' } = {}): string {
  return [
    '@@clamprovision-facts 1',
    `@@os ${b(osRelease)}`,
    `@@init ${init}`,
    `@@whoami ${b('root\n')}`,
    `@@ssh ${b(ssh)}`,
    `@@apt ${apt}`,
    ...records,
    '@@end',
    '',
  ].join('\n');
}

const OS_RELEASES: Record<string, [string, { id: string; versionId: string; codename: string }]> = {
  'Debian 11': [
    'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\nVERSION="11 (bullseye)"\nVERSION_CODENAME=bullseye\nID=debian\nHOME_URL="https://www.debian.org/"\n',
    { id: 'debian', versionId: '11', codename: 'bullseye' },
  ],
  'Debian 13': [
    'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nVERSION="13 (trixie)"\nVERSION_CODENAME=trixie\nDEBIAN_VERSION_FULL=13.1\nID=debian\n',
    { id: 'debian', versionId: '13', codename: 'trixie' },
  ],
  'Ubuntu 22.04': [
    'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n',
    { id: 'ubuntu', versionId: '22.04', codename: 'jammy' },
  ],
  'Ubuntu 24.04': [
    'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nHOME_URL="https://www.ubuntu.com/"\nUBUNTU_CODENAME=noble\nLOGO=ubuntu-logo\n',
    { id: 'ubuntu', versionId: '24.04', codename: 'noble' },
  ],
};

for (const [name, [text, expected]] of Object.entries(OS_RELEASES)) {
  test(`os-release of ${name}`, (t) => {
    const os = parseOsRelease(text);
    t.like(os, expected);
    t.is(os.idLike, expected.id === 'ubuntu' ? 'debian' : '');
  });
}

test('the base facts: init, user, SSH port from SSH_CONNECTION, age of the apt lists', (t) => {
  const facts = parseFactsOutput(output(OS_RELEASES['Ubuntu 24.04']![0], [], { ssh: '192.0.2.9 40110 10.0.0.5 2222' }));
  t.is(facts.init, 'systemd');
  t.is(facts.user, 'root');
  t.is(facts.sshPort, 2222);
  t.is(facts.sshClientAddress, '192.0.2.9');
  t.is(facts.aptListsAge, 10000);
  const never = parseFactsOutput(output(OS_RELEASES['Debian 11']![0], [], { apt: 'never', ssh: '', init: 'other' }));
  t.is(never.aptListsAge, undefined);
  t.is(never.sshPort, undefined);
  t.is(never.init, 'other');
});

test('a truncated or foreign output is an error, and so is a requested fact that is missing', (t) => {
  const full = output(OS_RELEASES['Debian 13']![0]);
  t.throws(() => parseFactsOutput(full.replace('@@end\n', '')), { instanceOf: FactsError, message: /before its end/ });
  t.throws(() => parseFactsOutput('sh: 1: base64: not found\n'), { instanceOf: FactsError, message: /printed no facts/ });
  t.throws(() => parseFactsOutput(full.replace('facts 1', 'facts 9')), { instanceOf: FactsError, message: /protocol version 9/ });
  const requests: FactRequest[] = [{ kind: 'file', path: '/etc/x' }];
  t.throws(() => parseFactsOutput(full, requests), { instanceOf: FactsError, message: /lacks: file \/etc\/x/ });
});

test('files: stat fields, hash, content, links, missing', (t) => {
  const facts = parseFactsOutput(
    output(OS_RELEASES['Debian 13']![0], [
      `@@file ${key('/etc/nginx/conf.d/a.conf')} 81a0 640 root clam 12 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef - ${b('server {}\n\n\n')}`,
      `@@file ${key('/etc/nginx/sites-enabled/default')} a1ff 777 root root 34 - ${b('/etc/nginx/sites-available/default')} -`,
      `@@file ${key('/opt/clam')} 41ed 755 root root 4096 - - -`,
      `@@file ${key('/etc/empty')} 81a4 644 root root 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 - b:`,
      `@@file ${key('/nope')} missing`,
    ]),
  );
  t.like(facts.files.get('/etc/nginx/conf.d/a.conf'), { exists: true, type: 'file', mode: 0o640, owner: 'root', group: 'clam', size: 12 });
  t.is((facts.files.get('/etc/nginx/conf.d/a.conf') as { content?: Buffer }).content?.toString(), 'server {}\n\n\n');
  t.like(facts.files.get('/etc/nginx/sites-enabled/default'), { type: 'link', linkTarget: '/etc/nginx/sites-available/default' });
  t.like(facts.files.get('/opt/clam'), { type: 'directory', mode: 0o755 });
  t.deepEqual((facts.files.get('/etc/empty') as { content?: Buffer }).content, Buffer.alloc(0));
  t.deepEqual(facts.files.get('/nope'), { exists: false });
});

test('files read together (find): metadata, sums, contents; a path find did not print is missing; a content that does not match its sum is left out', (t) => {
  const nul = (...fields: string[]) => Buffer.from(fields.map((field) => `${field}\0`).join(''));
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const paths = ['/etc/a.conf', '/etc/link', '/opt/dir', '/etc/changed', '/etc/fifo', '/nope'];
  const meta = nul(
    '/etc/a.conf', 'f 640 root clam 5', '',
    '/etc/link', 'l 777 root root 9', '/etc/a.conf',
    '/opt/dir', 'd 2755 root clam 4096', '',
    '/etc/changed', 'f 644 root root 3', '',
    '/etc/fifo', 'p 600 root root 0', '',
  );
  const sums = nul(`${sha('a=1\n')}  /etc/a.conf`, `${sha('old')}  /etc/changed`);
  const data = nul('/etc/a.conf', Buffer.from('a=1\n').toString('base64'), '/etc/changed', Buffer.from('new').toString('base64'));
  const facts = parseFactsOutput(output(OS_RELEASES['Debian 13']![0], [`@@files ${key(paths.join('\0'))} b:${meta.toString('base64')} b:${sums.toString('base64')} b:${data.toString('base64')}`]));
  t.deepEqual(facts.files.get('/etc/a.conf'), { exists: true, type: 'file', mode: 0o640, owner: 'root', group: 'clam', size: 5, sha256: sha('a=1\n'), content: Buffer.from('a=1\n') });
  t.deepEqual(facts.files.get('/etc/link'), { exists: true, type: 'link', mode: 0o777, owner: 'root', group: 'root', size: 9, linkTarget: '/etc/a.conf' });
  t.like(facts.files.get('/opt/dir'), { type: 'directory', mode: 0o2755, group: 'clam' });
  // changed between find's sha256sum and its base64: its sum stays, without a content
  t.deepEqual(facts.files.get('/etc/changed'), { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', size: 3, sha256: sha('old') });
  t.like(facts.files.get('/etc/fifo'), { type: 'other' });
  t.deepEqual(facts.files.get('/nope'), { exists: false });
});

test('packages: dpkg states and apt candidates', (t) => {
  const dpkg = 'nginx\tii \t1.22.1-9+deb12u1\napache2\trc \t2.4.62-1~deb12u1\nlibc6\tii \t2.36-9\nlibc6\tun \t\n';
  const policy = [
    'apache2:',
    '  Installed: (none)',
    '  Candidate: 2.4.62-1~deb12u2',
    '  Version table:',
    '     2.4.62-1~deb12u2 500',
    '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
    'python3-venv:',
    '  Installed: (none)',
    '  Candidate: (none)',
    '  Version table:',
    '',
  ].join('\n');
  const asked = 'apache2 libc6 nginx python3-venv ufw';
  const facts = parseFactsOutput(output(OS_RELEASES['Debian 13']![0], [`@@packages ${key(asked)} ${b(dpkg)} ${b(policy)}`]));
  t.deepEqual(facts.packages.get('nginx'), { installed: true, version: '1.22.1-9+deb12u1' });
  t.deepEqual(facts.packages.get('libc6'), { installed: true, version: '2.36-9' }, 'multi-arch: one installed architecture');
  t.deepEqual(facts.packages.get('apache2'), { installed: false, configFiles: true, candidate: '2.4.62-1~deb12u2' });
  t.deepEqual(facts.packages.get('python3-venv'), { installed: false, candidate: null }, 'virtual or unknown: no candidate');
  t.deepEqual(facts.packages.get('ufw'), { installed: false, candidate: null }, 'not listed by apt-cache: unknown');
  t.deepEqual(parseAptPolicy(''), new Map());
});

test('services: one systemctl show for all units, in the order asked', (t) => {
  const show = [
    'MainPID=812\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNeedDaemonReload=no',
    'MainPID=0\nLoadState=not-found\nActiveState=inactive\nUnitFileState=\nNeedDaemonReload=no',
    'MainPID=0\nLoadState=loaded\nActiveState=failed\nUnitFileState=enabled\nNeedDaemonReload=yes',
    'MainPID=0\nLoadState=masked\nActiveState=inactive\nUnitFileState=masked\nNeedDaemonReload=no',
  ].join('\n\n');
  const facts = parseFactsOutput(output(OS_RELEASES['Ubuntu 22.04']![0], [`@@services ${key('nginx\napache2\nclam-x\nufw')} ${b(`${show}\n`)}`]));
  t.deepEqual(facts.services.get('nginx'), { manager: 'systemd', exists: true, active: 'active', enabled: 'enabled', mainPid: 812 });
  t.like(facts.services.get('apache2'), { exists: false, active: 'inactive', enabled: '' });
  t.like(facts.services.get('clam-x'), { exists: true, active: 'failed', needsDaemonReload: true });
  t.like(facts.services.get('ufw'), { enabled: 'masked' });
  t.is(parseSystemctlShow('').exists, false);
});

test('services without systemd: init script present, LSB status, rc links', (t) => {
  const facts = parseFactsOutput(
    output(OS_RELEASES['Debian 11']![0], [`@@service ${key('nginx')} initscript 1 0 1`, `@@service ${key('ssh')} initscript 1 3 0`, `@@service ${key('x')} initscript 0 3 0`], { init: 'other' }),
  );
  t.deepEqual(facts.services.get('nginx'), { manager: 'initscript', exists: true, active: 'active', enabled: 'enabled' });
  t.deepEqual(facts.services.get('ssh'), { manager: 'initscript', exists: true, active: 'inactive', enabled: 'disabled' });
  t.like(facts.services.get('x'), { exists: false });
});

const DEFAULT_UFW = 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="DROP"\nDEFAULT_APPLICATION_POLICY="SKIP"\nMANAGE_BUILTINS=no\n';
const USER_RULES = `*filter
:ufw-user-input - [0:0]
### RULES ###

### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
-A ufw-user-input -p tcp --dport 22 -j ACCEPT

### tuple ### limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in comment=7373682d616c74
-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set

### tuple ### allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### deny any any 0.0.0.0/0 any 203.0.113.0/24 in
### tuple ### allow_log tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in
### tuple ### allow tcp 5432 0.0.0.0/0 any 0.0.0.0/0 in_eth1
### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 Apache%20Full - in
### tuple ### route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in

### END RULES ###
`;
const USER6_RULES = '*filter\n### RULES ###\n\n### tuple ### allow tcp 22 ::/0 any ::/0 in\n-A ufw6-user-input -p tcp --dport 22 -j ACCEPT\n\n### END RULES ###\n';

test('ufw: settings and rules from its files, while inactive too', (t) => {
  const facts = parseFactsOutput(output(OS_RELEASES['Ubuntu 24.04']![0], [`@@ufw 1 ${b(DEFAULT_UFW)} ${b('# ufw.conf\nENABLED=no\nLOGLEVEL=low\n')} ${b(USER_RULES)} ${b(USER6_RULES)}`]));
  const fact = facts.ufw!;
  t.like(fact, { installed: true, readable: true, enabled: false, ipv6: true, defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' } });
  const summary = fact.rules.map((rule) => `${rule.v6 ? 6 : 4} ${rule.action} ${rule.proto} ${rule.port ?? '*'} ${rule.from}${rule.unmanaged ? ' unmanaged' : ''}`);
  t.deepEqual(summary, [
    '4 allow tcp 22 any',
    '4 limit tcp 2222 any',
    '4 allow tcp 80,443 any',
    '4 deny any * 203.0.113.0/24',
    '4 allow tcp 8080 any unmanaged',
    '4 allow tcp 5432 any unmanaged',
    '4 allow tcp 80 any unmanaged',
    '4 allow tcp 80 any unmanaged',
    '6 allow tcp 22 any',
  ]);
});

test('ufw: a fresh install has no rule files; unreadable ones make the fact untrustworthy', (t) => {
  const fresh = parseFactsOutput(output(OS_RELEASES['Debian 13']![0], [`@@ufw 1 ${b(DEFAULT_UFW)} ${b('ENABLED=yes\n')} - -`])).ufw!;
  t.like(fresh, { readable: true, enabled: true, rules: [] });
  const unreadable = parseFactsOutput(output(OS_RELEASES['Debian 13']![0], [`@@ufw 1 ${b(DEFAULT_UFW)} ${b('ENABLED=yes\n')} ! !`])).ufw!;
  t.false(unreadable.readable);
});

test('virtualenvs: python version, distributions, markers', (t) => {
  const dists = ['uWSGI-2.0.21.dist-info', 'clam-3.3.0.dist-info', 'Flask_Cors-4.0.1.dist-info', 'pip-23.0.1.dist-info', 'CLAM-2.3-py3.11.egg-info', 'foo.egg-info'].join('\n');
  const markers = `path-0123456789abcdef ${Buffer.from('digest-1').toString('base64')}\n`;
  const facts = parseFactsOutput(
    output(OS_RELEASES['Debian 13']![0], [
      `@@venv ${key('/opt/clam/x/venv')} ${b('home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\nexecutable = /usr/bin/python3.11\n')} ${b(`${dists}\n`)} ${b(markers)}`,
      `@@venv ${key('/opt/none')} missing`,
    ]),
  );
  const venv = facts.venvs.get('/opt/clam/x/venv')!;
  t.is(venv.python, '3.11.2');
  t.is(venv.packages.get('uwsgi'), '2.0.21');
  t.is(venv.packages.get('flask-cors'), '4.0.1');
  t.is(venv.markers.get('path-0123456789abcdef'), 'digest-1');
  t.false(facts.venvs.get('/opt/none')!.exists);
  t.deepEqual(parseDistDirName('clam-3.3.0-py3.11.egg-info'), { name: 'clam', version: '3.3.0' });
  t.is(parseDistDirName('foo.egg-info'), undefined);
});

test('users and groups from getent and id', (t) => {
  const facts = parseFactsOutput(
    output(OS_RELEASES['Debian 13']![0], [
      `@@account ${key('deploy')} ${b('deploy:x:1000:1000:,,,:/home/deploy:/bin/bash')} ${b('deploy\n')} ${b('deploy sudo adm\n')}`,
      `@@account ${key('clam')} missing`,
      `@@group ${key('clam')} ${b('clam:x:998:')}`,
      `@@group ${key('www')} missing`,
      `@@probe ${key('test -d /x')} 1`,
    ]),
  );
  t.deepEqual(facts.users.get('deploy'), { exists: true, uid: 1000, gid: 1000, group: 'deploy', home: '/home/deploy', shell: '/bin/bash', groups: ['sudo', 'adm'] });
  t.false(facts.users.get('clam')!.exists);
  t.deepEqual(facts.groups.get('clam'), { exists: true, gid: 998 });
  t.false(facts.groups.get('www')!.exists);
  t.is(facts.probes.get('test -d /x'), 1);
});
