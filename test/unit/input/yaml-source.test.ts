import test from 'ava';
import path from 'node:path';
import { loadYamlFile } from '../../../src/input/yaml-file.js';
import { cloneLocated, locate, locateKey, locatePath, parseYamlText, spreadLocated } from '../../../src/input/yaml-source.js';
import { lines, tempTree } from './temp-files.js';
import { inputErrorsThrownBy } from './thrown-input-errors.js';


test('builds plain objects, arrays and YAML 1.2 scalars', (t) => {
  const value = parseYamlText(lines('name: web', 'port: 8080', 'on: yes', 'mode: 0644', 'list: [a, 1, true, null]'), 'x.yml');
  t.deepEqual(value, { name: 'web', port: 8080, on: 'yes', mode: 644, list: ['a', 1, true, null] });
  t.is(Object.getPrototypeOf(value), Object.prototype);
});

test('locate gives the 1-based line and column of a value, of an item and of the container', (t) => {
  const text = lines('all:', '  hosts:', '    web1:', '      http_port: 8080', '      services:', '        - name: a', '        - name: b');
  const data = parseYamlText(text, 'inv.yml') as any;
  const host = data.all.hosts.web1;
  t.deepEqual(locate(host, 'http_port'), { file: 'inv.yml', line: 4, col: 18 });
  t.deepEqual(locateKey(host, 'http_port'), { file: 'inv.yml', line: 4, col: 7 });
  t.deepEqual(locate(host.services, 1), { file: 'inv.yml', line: 7, col: 11 });
  t.deepEqual(locate(host.services[1], 'name'), { file: 'inv.yml', line: 7, col: 17 });
  t.deepEqual(locate(host), { file: 'inv.yml', line: 4, col: 7 });
  t.deepEqual(locatePath(data, ['all', 'hosts', 'web1', 'services', 0, 'name']), { file: 'inv.yml', line: 6, col: 17 });
  t.is(locate({}, 'x'), undefined);
});

test('an empty value points at its key', (t) => {
  const data = parseYamlText(lines('hosts:', '  web1:', '  web2: {}'), 'inv.yml') as any;
  t.is(data.hosts.web1, null);
  t.deepEqual(locate(data.hosts, 'web1'), { file: 'inv.yml', line: 2, col: 3 });
});

test('an unclosed quote is reported where the string starts', (t) => {
  const [error, ...more] = inputErrorsThrownBy(() => parseYamlText(lines('a: 1', 'b: "unterminated', ''), 'bad.yml'));
  t.deepEqual(more, []);
  // At the opening quote, not at the end of the file where yaml notices it.
  t.deepEqual(error!.location, { file: 'bad.yml', line: 2, col: 4 });
  t.regex(error!.message, /YAML syntax error: .*never closed/);
});

test('a syntax error is reported at its line and column', (t) => {
  const [error] = inputErrorsThrownBy(() => parseYamlText(lines('a:', '  - x', '  y: 2'), 'bad.yml'));
  t.deepEqual(error!.location, { file: 'bad.yml', line: 3, col: 1 });
  t.regex(error!.message, /YAML syntax error/);
});

test('several syntax errors are all reported', (t) => {
  const errors = inputErrorsThrownBy(() => parseYamlText(lines('x:', '  y: 1', '   z: 2', 'k: v', 'k: w'), 'bad.yml'));
  t.true(errors.length >= 2);
  t.true(errors.every((error) => error.location?.file === 'bad.yml'));
});

test('a duplicate key is an error at the second occurrence, naming the key', (t) => {
  const [error] = inputErrorsThrownBy(() => parseYamlText(lines('web1:', '  http_port: 80', '  "http_port": 81'), 'dup.yml'));
  t.deepEqual(error!.location, { file: 'dup.yml', line: 3, col: 3 });
  t.regex(error!.message, /duplicate key 'http_port'|duplicate key '"http_port"'/);
});

test('anchors, aliases and merge keys resolve, keeping the positions of the merged source', (t) => {
  const text = lines('base: &base', '  processes: 4', '  threads: 8', 'svc:', '  <<: *base', '  threads: 2', 'copy: *base');
  const data = parseYamlText(text, 'm.yml') as any;
  t.deepEqual(data.svc, { threads: 2, processes: 4 });
  t.is(data.copy, data.base);
  t.deepEqual(locate(data.svc, 'processes'), { file: 'm.yml', line: 2, col: 14 });
  t.deepEqual(locate(data.svc, 'threads'), { file: 'm.yml', line: 6, col: 12 });
});

test('an alias without an anchor is an error at the alias', (t) => {
  const [error] = inputErrorsThrownBy(() => parseYamlText(lines('a: 1', 'b: *nowhere'), 'a.yml'));
  t.deepEqual(error!.location, { file: 'a.yml', line: 2, col: 4 });
  t.regex(error!.message, /unknown YAML alias '\*nowhere'/);
});

test('a __proto__ key is refused at its position, and pollutes nothing', (t) => {
  const [error] = inputErrorsThrownBy(() => parseYamlText(lines('a: 1', '__proto__: {polluted: true}'), 'p.yml'));
  t.is(({} as any).polluted, undefined);
  t.is(error?.format(), "p.yml:2:1: a key named '__proto__' is not allowed");
});

test('an empty document is null', (t) => {
  t.is(parseYamlText('# only a comment\n', 'e.yml'), null);
});

test('loadYamlFile names a file it cannot read', (t) => {
  const dir = tempTree({});
  const missing = path.join(dir, 'nope.yml');
  const [error] = inputErrorsThrownBy(() => loadYamlFile(missing));
  t.is(error!.location?.file, missing);
  t.regex(error!.message, /cannot read .*nope\.yml: file not found/);
});

test('loadYamlFile reports positions in the named file', (t) => {
  const dir = tempTree({ 'inv.yml': lines('all:', '  hosts: [') });
  const [error] = inputErrorsThrownBy(() => loadYamlFile(path.join(dir, 'inv.yml')));
  t.is(error!.location?.file, path.join(dir, 'inv.yml'));
});

test('spreadLocated merges like a spread and keeps the positions of the winning values', (t) => {
  const base = parseYamlText(lines('a: 1', 'b: 2'), 'base.yml') as Record<string, unknown>;
  const over = parseYamlText(lines('b: 3'), 'over.yml') as Record<string, unknown>;
  const merged = spreadLocated(base, over, { c: 4 }, undefined, { a: 5 });
  t.deepEqual(merged, { a: 5, b: 3, c: 4 });
  t.deepEqual(locate(merged, 'b'), { file: 'over.yml', line: 1, col: 4 });
  // A value from a layer without positions does not keep the position of the value it replaced.
  t.is(locate(merged, 'a'), undefined);
});

test('a layer with an own property __proto__ does not leak into the merged variables', (t) => {
  const layer = Object.defineProperty({}, '__proto__', { value: { ansible_become: true }, enumerable: true });
  const merged = spreadLocated({ a: 1 }, layer);
  t.is(merged.ansible_become, undefined);
  t.is(Object.getPrototypeOf(merged), Object.prototype);
});

test('cloneLocated copies a mapping with the positions of its values', (t) => {
  const original = parseYamlText(lines('a: 1', 'b: 2'), 'o.yml') as Record<string, unknown>;
  const copy = cloneLocated(original);
  t.not(copy, original);
  t.deepEqual(copy, original);
  t.deepEqual(locate(copy, 'b'), { file: 'o.yml', line: 2, col: 4 });
});

test('an Ansible Vault value is never used as its ciphertext: without a password it is an error at the value', (t) => {
  const [error] = inputErrorsThrownBy(() => parseYamlText(lines('a: 1', 'pw: !vault |', '  $ANSIBLE_VAULT;1.1;AES256', '  6162'), 'v.yml'));
  t.deepEqual(error!.location, { file: 'v.yml', line: 2, col: 12 });
  t.regex(error!.message, /malformed Ansible Vault data|no vault password was given/);
});

test('a duplicate key on the last line without a newline is still named', (t) => {
  const [error] = inputErrorsThrownBy(() => parseYamlText('port: 1\nport: 2', 'd.yml'));
  t.regex(error!.message, /duplicate key 'port'/);
});
