import test from 'ava';
import { mergeFactRequests } from '../../../src/facts/merge.js';

test('requests for the same thing are merged: content wins, package names are unioned', (t) => {
  t.deepEqual(
    mergeFactRequests([
      { kind: 'file', path: '/a' },
      { kind: 'file', path: '/a', content: true },
      { kind: 'file', path: '/a' },
      { kind: 'packages', names: ['nginx', 'curl'] },
      { kind: 'packages', names: ['curl', 'zip'] },
      { kind: 'ufw' },
      { kind: 'ufw' },
    ]),
    [{ kind: 'ufw' }, { kind: 'file', path: '/a', content: true }, { kind: 'packages', names: ['curl', 'nginx', 'zip'] }],
  );
});

test('requests keep the order first asked in; the batched kinds (files, packages, services) come last, in the registry order', (t) => {
  t.deepEqual(
    mergeFactRequests([
      { kind: 'service', name: 'nginx' },
      { kind: 'probe', command: 'test -d /x' },
      { kind: 'packages', names: ['nginx'] },
      { kind: 'tree', path: '/t' },
      { kind: 'service', name: 'ssh' },
      { kind: 'service', name: 'nginx' },
      { kind: 'user', name: 'deploy' },
      { kind: 'file', path: '/b' },
      { kind: 'group', name: 'deploy' },
      { kind: 'venv', path: '/v' },
      { kind: 'probe', command: 'test -d /x' },
    ]),
    [
      { kind: 'probe', command: 'test -d /x' },
      { kind: 'tree', path: '/t' },
      { kind: 'user', name: 'deploy' },
      { kind: 'group', name: 'deploy' },
      { kind: 'venv', path: '/v' },
      { kind: 'file', path: '/b' },
      { kind: 'packages', names: ['nginx'] },
      { kind: 'service', name: 'nginx' },
      { kind: 'service', name: 'ssh' },
    ],
  );
});

test('a package request without names asks nothing', (t) => {
  t.deepEqual(mergeFactRequests([{ kind: 'packages', names: [] }]), []);
  t.deepEqual(mergeFactRequests([{ kind: 'packages', names: ['b', 'a', 'b'] }]), [{ kind: 'packages', names: ['a', 'b'] }]);
});
