import test from 'ava';
import { FACT_KINDS, factKinds } from '../../../src/facts/kinds/index.js';
import { PRELUDE_RECORDS } from '../../../src/facts/prelude.js';

test('each kind is listed under its own name; the batched ones in the order the script reads them (dpkg before systemctl)', (t) => {
  for (const [name, kind] of Object.entries(FACT_KINDS)) t.is(kind.name, name);
  const batched = factKinds.filter((kind) => kind.batched).map((kind) => kind.name);
  t.true(batched.indexOf('packages') < batched.indexOf('service'));
});

test('every output record is parsed by one kind or the prelude, none by two', (t) => {
  const owners = [Object.keys(PRELUDE_RECORDS), ...factKinds.map((kind) => Object.keys(kind.records))].flat();
  t.is(new Set(owners).size, owners.length);
  t.false(owners.includes('end') || owners.includes('clamprovision-facts'), 'the framing records belong to the protocol');
});
