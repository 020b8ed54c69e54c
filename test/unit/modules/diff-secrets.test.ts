import test from 'ava';
import { SECRET_MASK, secrets } from '../../../src/core/secrets.js';
import { fileDiff } from '../../../src/modules/lib/diff.js';

// The registry is process-wide; ava runs each test file in its own process.
secrets.add('sk-new-value-123');

test('a rotated secret: the old value read from the host is cut off where the secret starts', (t) => {
  const diff = secrets.mask(
    fileDiff('/etc/clam/demo/env', Buffer.from('A="1"\nSECRET_KEY="sk-old-value-999"\nB="2"\n'), Buffer.from('A="1"\nSECRET_KEY="sk-new-value-123"\nB="2"\n')),
  );
  t.false(diff.includes('sk-old-value-999'));
  t.false(diff.includes('sk-new-value-123'));
  t.regex(diff, new RegExp(`^-SECRET_KEY="${SECRET_MASK.replace(/\*/g, '\\*')}$`, 'm'));
  t.regex(diff, /^ A="1"$/m, 'context lines stay');
});

test('a change block with a secret hides every removed line of that block', (t) => {
  const diff = fileDiff('/etc/x', Buffer.from('KEY=old-secret\nLEVEL=debug\n'), Buffer.from('KEY=sk-new-value-123\nLEVEL=info\n'));
  t.false(diff.includes('old-secret'));
  t.regex(diff, /^\+LEVEL=info$/m);
});

test('diffs without secrets are left alone', (t) => {
  const diff = fileDiff('/etc/x', Buffer.from('a\nb\n'), Buffer.from('a\nc\n'));
  t.regex(diff, /^-b$/m);
  t.regex(diff, /^\+c$/m);
});
