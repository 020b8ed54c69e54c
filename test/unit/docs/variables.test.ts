/**
 * The README documents every variable of the built-in playbook, and documents nothing the schema
 * would refuse: the tables under "Variables of the built-in playbook" against src/clam/schema.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { HOST_VARIABLE_KEYS, SERVICE_KEYS } from '../../../src/clam/schema.js';
import { repoRoot } from '../templates/render.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The names in backticks in the first column of the table that follows `heading`. */
function documentedNames(heading: string): string[] {
  const start = readme.indexOf(heading);
  if (start < 0) throw new Error(`README.md has no "${heading}"`);
  const lines = readme.slice(start).split('\n').slice(1);
  const table = lines.slice(lines.findIndex((line) => line.startsWith('|')));
  const rows = table.slice(0, table.findIndex((line) => !line.startsWith('|'))).slice(2);
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!)).sort();
}

test('every host variable the schema reads is documented, and nothing else', (t) => {
  t.deepEqual(documentedNames('Per host (set them'), [...HOST_VARIABLE_KEYS].sort());
});

test('every key of a service the schema accepts is documented, and nothing else', (t) => {
  t.deepEqual(documentedNames('Each entry of `services`:'), [...SERVICE_KEYS].sort());
});
