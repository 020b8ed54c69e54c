import test from 'ava';
import { closest, didYouMean } from '../../../src/input/suggest.js';

test('suggests the closest name for typos, swaps and additions', (t) => {
  t.is(closest('hots', ['hosts', 'vars', 'children']), 'hosts');
  t.is(closest('wbe1', ['web1', 'db1']), 'web1');
  t.is(closest('wsgi_script', ['name', 'wsgi', 'source']), 'wsgi');
  t.is(closest('URL_PREFIX', ['url_prefix']), 'url_prefix');
});

test('suggests nothing when nothing is close', (t) => {
  t.is(closest('database', ['hosts', 'vars', 'children']), undefined);
  t.is(didYouMean('zzz', ['web']), '');
  t.is(didYouMean('vras', ['vars']), " (did you mean 'vars'?)");
});
