import test from 'ava';
import { emptyFacts } from '../../../src/facts/parse.js';
import { mergeFacts } from '../../../src/facts/merge.js';

test('facts read again after a change replace what they cover and keep the rest', (t) => {
  const before = emptyFacts();
  before.os = { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian 12', idLike: '' };
  before.sshPort = 22;
  before.aptListsAge = 9999;
  before.files.set('/etc/a', { exists: false });
  before.files.set('/etc/b', { exists: false });
  before.packages.set('nginx', { installed: false, candidate: '1.22' });
  const after = emptyFacts();
  after.os = before.os;
  after.aptListsAge = 5;
  after.files.set('/etc/a', { exists: true, type: 'file', mode: 0o644, owner: 'root', group: 'root', size: 0 });
  after.packages.set('nginx', { installed: true, version: '1.22' });
  const merged = mergeFacts(before, after);
  t.like(merged.files.get('/etc/a'), { exists: true });
  t.deepEqual(merged.files.get('/etc/b'), { exists: false });
  t.deepEqual(merged.packages.get('nginx'), { installed: true, version: '1.22' });
  t.is(merged.aptListsAge, 5);
  t.is(merged.sshPort, 22);
  t.false(before.files.get('/etc/a')!.exists, 'the older facts are not modified');
});
