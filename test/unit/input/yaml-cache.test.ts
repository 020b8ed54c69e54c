import test from 'ava';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cachedYamlParse } from '../../../src/input/yaml-cache.js';
import { locate, locateKey, parseYamlText, valueMark } from '../../../src/input/yaml-source.js';

const TEXT = `all:
  vars:
    ansible_user: deploy
    ports: [80, 443]
    motd: !unsafe "{{ not templated }}"
    when: 2024-01-02 03:04:05
    empty:
    ratio: 0.5
  hosts:
    web1: {ansible_host: 10.0.0.1}
    web2:
`;
const FILE = '/srv/inventory.yml';

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'yaml-cache-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every container's own position, and its keys' and values' positions and marks, by path. */
function positionsOf(value: unknown, at = '$'): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const lines = [`${at} self ${JSON.stringify(locate(value))}`];
  for (const [key, entry] of Object.entries(value)) {
    const index = Array.isArray(value) ? Number(key) : key;
    lines.push(`${at}.${key} value ${JSON.stringify(locate(value, index))} key ${JSON.stringify(Array.isArray(value) ? null : locateKey(value, key))} mark ${valueMark(value, index) ?? '-'}`);
    lines.push(...positionsOf(entry, `${at}.${key}`));
  }
  return lines;
}

test('a file parsed once comes back from the cache the same: values, positions of values and keys, !unsafe and date marks', (t) => {
  const dir = scratch(t);
  let parses = 0;
  const parse = () => {
    parses++;
    return parseYamlText(TEXT, FILE, { yaml11: true });
  };
  const first = cachedYamlParse(TEXT, FILE, { yaml11: true }, parse, dir);
  t.is(readdirSync(dir).length, 1);
  const second = cachedYamlParse(TEXT, FILE, { yaml11: true }, parse, dir);
  t.is(parses, 1, 'the second read is the cache');
  t.deepEqual(second, first);
  t.deepEqual(positionsOf(second), positionsOf(first));
  t.true(positionsOf(second).some((line) => line.includes('mark unsafe')));
  t.true(positionsOf(second).some((line) => line.includes('mark datetime')));
  t.like(locate((second as { all: { vars: object } }).all.vars, 'ports'), { file: FILE, line: 4, col: 12 });
});

test('another content, another path or other options is another entry; a damaged entry is parsed again', (t) => {
  const dir = scratch(t);
  const parse = (text: string, file: string) => () => parseYamlText(text, file);
  cachedYamlParse(TEXT, FILE, {}, parse(TEXT, FILE), dir);
  cachedYamlParse(`${TEXT}# edited\n`, FILE, {}, parse(`${TEXT}# edited\n`, FILE), dir);
  cachedYamlParse(TEXT, '/srv/other.yml', {}, parse(TEXT, '/srv/other.yml'), dir);
  cachedYamlParse(TEXT, FILE, { yaml11: true }, parse(TEXT, FILE), dir);
  const entries = readdirSync(dir);
  t.is(entries.length, 4);
  for (const entry of entries) writeFileSync(path.join(dir, entry), '{"o": [[');
  let parses = 0;
  const value = cachedYamlParse(TEXT, FILE, {}, () => (parses++, parseYamlText(TEXT, FILE)), dir);
  t.is(parses, 1);
  t.deepEqual(value, parseYamlText(TEXT, FILE));
});

test('what JSON cannot give back the same is not cached: an alias (one object, not two copies), .inf', (t) => {
  const dir = scratch(t);
  const alias = 'base: &b {x: 1}\nuse: *b\n';
  const value = cachedYamlParse(alias, FILE, {}, () => parseYamlText(alias, FILE), dir) as { base: object; use: object };
  t.is(value.use, value.base);
  const inf = 'x: .inf\n';
  t.is((cachedYamlParse(inf, FILE, {}, () => parseYamlText(inf, FILE), dir) as { x: number }).x, Number.POSITIVE_INFINITY);
  t.deepEqual(readdirSync(dir), []);
});

test('the cache keeps at most 256 entries: the older half goes', (t) => {
  const dir = scratch(t);
  for (let i = 0; i < 300; i++) {
    const text = `n: ${i}\n`;
    cachedYamlParse(text, FILE, {}, () => parseYamlText(text, FILE), dir);
  }
  const count = readdirSync(dir).length;
  t.true(count <= 256 && count >= 128, `${count} entries`);
});

test('an unwritable cache directory: parsed as without a cache', (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'not-a-directory');
  writeFileSync(file, '');
  t.deepEqual(cachedYamlParse(TEXT, FILE, {}, () => parseYamlText(TEXT, FILE), file), parseYamlText(TEXT, FILE));
});

test('loadYamlFile caches a file in the controller cache directory, never one with Ansible Vault in it', async (t) => {
  const dir = scratch(t);
  const cache = path.join(dir, 'cache');
  process.env.CLAMPROVISION_CACHE_DIR = cache;
  t.teardown(() => delete process.env.CLAMPROVISION_CACHE_DIR);
  const { loadYamlFile } = await import('../../../src/input/yaml-file.js');
  writeFileSync(path.join(dir, 'plain.yml'), TEXT);
  t.deepEqual(loadYamlFile(path.join(dir, 'plain.yml')), parseYamlText(TEXT, path.join(dir, 'plain.yml')));
  t.is(readdirSync(path.join(cache, 'yaml')).length, 1);
  writeFileSync(path.join(dir, 'vaulted.yml'), `${TEXT}# a value of this file may be !vault\n`);
  loadYamlFile(path.join(dir, 'vaulted.yml'));
  t.is(readdirSync(path.join(cache, 'yaml')).length, 1);
});
