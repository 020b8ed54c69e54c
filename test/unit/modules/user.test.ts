import test from 'ava';
import type { GroupFact, UserFact } from '../../../src/facts/types.js';
import { user } from '../../../src/modules/user.js';
import { assertParses, hostFacts } from './host-facts.js';

const context = { taskName: 'user', inHandler: false };
const args = (input: unknown) => user.schema.parse(input);
const facts = (users: Record<string, UserFact>, groups: Record<string, GroupFact>) =>
  hostFacts({ users: new Map(Object.entries(users)), groups: new Map(Object.entries(groups)) });
const clam: UserFact = { exists: true, uid: 998, gid: 998, group: 'clam', home: '/var/lib/clam', shell: '/usr/sbin/nologin', groups: [] };
const clamArgs = { name: 'clam', system: true, home: '/var/lib/clam', create_home: false, shell: '/usr/sbin/nologin' };

test('facts: the user and its primary group', (t) => {
  t.deepEqual(user.facts(args({ name: 'clam' })), [{ kind: 'user', name: 'clam' }, { kind: 'group', name: 'clam' }]);
  t.deepEqual(user.facts(args({ name: 'deploy', group: 'users' })), [{ kind: 'user', name: 'deploy' }, { kind: 'group', name: 'users' }]);
});

test('a missing system user is created with its own group', (t) => {
  const change = user.plan(args(clamArgs), facts({ clam: { exists: false, groups: [] } }, { clam: { exists: false } }), context)!;
  t.deepEqual(change.summary, ['create system user clam (group clam)']);
  t.regex(change.script, /useradd --system --user-group --home-dir \/var\/lib\/clam --shell \/usr\/sbin\/nologin --no-create-home clam/);
  assertParses(change.script);
});

test('an existing group of the same name is used, not created', (t) => {
  const change = user.plan(args(clamArgs), facts({ clam: { exists: false, groups: [] } }, { clam: { exists: true, gid: 998 } }), context)!;
  t.regex(change.script, /useradd --system --gid clam /);
});

test('a missing primary group with another name is created first', (t) => {
  const change = user.plan(args({ name: 'web', group: 'www' }), facts({ web: { exists: false, groups: [] } }, { www: { exists: false } }), context)!;
  t.regex(change.script, /groupadd www\nuseradd --gid www --create-home web/);
});

test('an existing user as wanted: nothing to do', (t) => {
  t.is(user.plan(args(clamArgs), facts({ clam }, { clam: { exists: true, gid: 998 } }), context), null);
});

test('shell, home and supplementary groups are brought in line; other memberships stay', (t) => {
  const change = user.plan(
    args({ name: 'clam', shell: '/bin/bash', home: '/srv/clam', groups: ['www-data', 'adm'] }),
    facts({ clam: { ...clam, groups: ['adm', 'sudo'] } }, { clam: { exists: true } }),
    context,
  )!;
  t.deepEqual(change.summary, ['clam: add to www-data', 'clam: home /var/lib/clam -> /srv/clam (files are not moved)', 'clam: shell /usr/sbin/nologin -> /bin/bash']);
  t.regex(change.script, /usermod --append --groups www-data clam/);
  t.notRegex(change.script, /sudo/);
});

test('update_home_and_shell: false adopts an existing user as it is (a hand-made clam with its own home); a new one still gets them', (t) => {
  const handMade: UserFact = { ...clam, home: '/home/clam', shell: '/bin/bash' };
  const adopt = args({ ...clamArgs, update_home_and_shell: false });
  t.is(user.plan(adopt, facts({ clam: handMade }, { clam: { exists: true } }), context), null);
  const created = user.plan(adopt, facts({ clam: { exists: false, groups: [] } }, { clam: { exists: false } }), context)!;
  t.regex(created.script, /useradd .*--home-dir \/var\/lib\/clam --shell \/usr\/sbin\/nologin/);
  // without it (the default), the same user is brought in line
  t.deepEqual(user.plan(args(clamArgs), facts({ clam: handMade }, { clam: { exists: true } }), context)!.summary, [
    'clam: home /home/clam -> /var/lib/clam (files are not moved)',
    'clam: shell /bin/bash -> /usr/sbin/nologin',
  ]);
});

test('state: absent removes the user but not its files', (t) => {
  const change = user.plan(args({ name: 'clam', state: 'absent' }), facts({ clam }, {}), context)!;
  t.regex(change.script, /userdel clam\n/);
  t.is(user.plan(args({ name: 'clam', state: 'absent' }), facts({ clam: { exists: false, groups: [] } }, {}), context), null);
});

test('names that are not account names are refused', (t) => {
  t.false(user.schema.safeParse({ name: 'x; rm -rf /' }).success);
  t.false(user.schema.safeParse({ name: '1000' }).success);
});
