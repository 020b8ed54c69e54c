import test from 'ava';
import { SecretRegistry, isSecretName } from '../../../src/core/secrets.js';

test('mask replaces every occurrence of every registered value', (t) => {
  const registry = new SecretRegistry();
  registry.add('hunter2');
  registry.add('s3cr3t');
  t.is(registry.mask('pw=hunter2 key=s3cr3t again hunter2'), 'pw=******** key=******** again ********');
  t.is(registry.size, 2);
});

test('a secret containing another is masked whole', (t) => {
  const registry = new SecretRegistry();
  registry.add('abc');
  registry.add('xxabcxx');
  t.is(registry.mask('[xxabcxx] [abc]'), '[********] [********]');
});

test('regular expression characters in a secret are taken literally', (t) => {
  const registry = new SecretRegistry();
  registry.add('a.b*c$(1)');
  t.is(registry.mask('a.b*c$(1) axbbc$(1)'), '******** axbbc$(1)');
});

test('empty values and repeats are not registered', (t) => {
  const registry = new SecretRegistry();
  registry.add('');
  registry.add('x1');
  registry.add('x1');
  t.is(registry.size, 1);
  t.is(registry.mask('text'), 'text');
});

test('variable names that mark a secret', (t) => {
  for (const name of ['DB_PASSWORD', 'SECRET_KEY', 'GITHUB_TOKEN', 'API_KEY', 'secret']) t.true(isSecretName(name), name);
  for (const name of ['HOME', 'PORT', 'CLAM_ROOT']) t.false(isSecretName(name), name);
});

test('a secret shorter than 8 characters is masked where it stands as a value, not inside other words', (t) => {
  const registry = new SecretRegistry();
  registry.add('ab');
  registry.add('1234');
  registry.add('pw!');
  t.is(
    registry.mask('password=ab "ab" \'ab\' ab: user:ab@host AB 1234 $1234/x pw! (pw!)'),
    'password=******** "********" \'********\' ********: user:********@host AB ******** $********/x ******** (********)',
  );
  t.is(registry.mask('about a tab, cabbage, ab_c, x_ab, abé, 12345, 01234, 1234x'), 'about a tab, cabbage, ab_c, x_ab, abé, 12345, 01234, 1234x');
  // a secret that ends in punctuation is masked whatever follows it; one that starts with a letter not after a word
  t.is(registry.mask('pw!x xpw!'), '********x xpw!');
});

test('a secret of 8 characters or more is masked wherever it occurs, inside words too', (t) => {
  const registry = new SecretRegistry();
  registry.add('hunter22');
  t.is(registry.mask('hunter22 xhunter22y'), '******** x********y');
});
