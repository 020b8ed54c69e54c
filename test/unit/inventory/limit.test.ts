import test from 'ava';
import path from 'node:path';
import { InputError } from '../../../src/core/errors.js';
import { matchHosts } from '../../../src/inventory/limit.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { lines, tempTree } from '../input/temp-files.js';

const dir = tempTree({
  'inventory.yml': lines(
    'all:',
    '  hosts:',
    '    bastion:',
    '  children:',
    '    web:',
    '      hosts:',
    '        web1:',
    '        web2:',
    '      children:',
    '        web_eu:',
    '          hosts:',
    '            web-eu-1:',
    '    db:',
    '      hosts:',
    '        db1:',
    '        web2:',
  ),
});
const inventory = loadInventory(path.join(dir, 'inventory.yml'), {});
const names = (pattern: string | undefined) => matchHosts(inventory, pattern).map((host) => host.name);

test('no pattern, all and * select every host', (t) => {
  const every = ['bastion', 'web1', 'web2', 'web-eu-1', 'db1'];
  t.deepEqual(names(undefined), every);
  t.deepEqual(names(''), every);
  t.deepEqual(names('all'), every);
  t.deepEqual(names('*'), every);
});

test('host and group names, comma-separated, in inventory order', (t) => {
  t.deepEqual(names('db1,bastion'), ['bastion', 'db1']);
  t.deepEqual(names('web'), ['web1', 'web2', 'web-eu-1']);
  t.deepEqual(names('web_eu'), ['web-eu-1']);
  t.deepEqual(names('db, web1'), ['web1', 'web2', 'db1']);
});

test('globs match host and group names', (t) => {
  t.deepEqual(names('web?'), ['web1', 'web2']);
  t.deepEqual(names('web-*'), ['web-eu-1']);
  t.deepEqual(names('d*'), ['web2', 'db1']);
});

test('! excludes and & intersects', (t) => {
  t.deepEqual(names('web,!web2'), ['web1', 'web-eu-1']);
  t.deepEqual(names('!web'), ['bastion', 'db1']);
  t.deepEqual(names('web,&db'), ['web2']);
  t.deepEqual(names('~^web[0-9]$'), ['web1', 'web2']);
});

test('a term that matches nothing is an error naming it and the known groups', (t) => {
  const error = t.throws(() => matchHosts(inventory, 'web,webservers', '--limit'), { instanceOf: InputError });
  t.regex(error.message, /^--limit: no host or group matches 'webservers'/);
  t.regex(error.message, /known groups: .*\bweb_eu\b/);
  t.is(error.location, undefined);
});

test('a misspelt name gets a suggestion', (t) => {
  const error = t.throws(() => matchHosts(inventory, 'wbe1'), { instanceOf: InputError });
  t.regex(error.message, /did you mean 'web1'\?/);
});

test('an exclusion that matches nothing is an error too', (t) => {
  t.throws(() => matchHosts(inventory, 'web,!web9'), { message: /no host or group matches 'web9'/ });
});

test('a pattern that leaves no host is an error', (t) => {
  t.throws(() => matchHosts(inventory, 'db,!db,!web2', 'hosts'), { message: /^hosts: 'db,!db,!web2' selects no hosts/ });
});
