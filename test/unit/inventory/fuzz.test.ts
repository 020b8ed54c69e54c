/**
 * Issue 14, must-show 3 (the inventory loader): random files and random inventories never make
 * loadInventory (and the --limit matcher after it) hang or throw anything but input errors that
 * each carry file:line:col. fast-check shrinks a failure to a small file to reproduce.
 */
import test from 'ava';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { inputErrorsIn } from '../../../src/core/errors.js';
import { matchHosts } from '../../../src/inventory/limit.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { tempTree } from '../input/temp-files.js';

const dir = tempTree({});
const file = path.join(dir, 'inventory.yml');
const SLOW_MS = 2000;

/** Loads the bytes as an inventory; returns what failed the property, or undefined. */
function problemWith(content: string | Uint8Array, limit?: string): string | undefined {
  writeFileSync(file, content);
  const started = Date.now();
  try {
    const inventory = loadInventory(file, { SET: 'value' });
    matchHosts(inventory, limit, '--limit');
  } catch (error) {
    const errors = inputErrorsIn(error);
    if (!errors) return `threw ${(error as Error)?.stack ?? String(error)}`;
    const unplaced = errors.find((e) => !e.location || e.location.file !== file || !(e.location.line >= 1 && e.location.col >= 1));
    if (unplaced && !unplaced.message.startsWith('--limit: ')) return `an input error without file:line:col: ${unplaced.message}`;
  }
  const ms = Date.now() - started;
  return ms > SLOW_MS ? `took ${ms} ms` : undefined;
}

const fragments = fc.constantFrom(
  'all:', 'hosts:', 'vars:', 'children:', 'web1:', 'h[0:9]:', 'h[0:20000000]:', 'x[a:f][1:3]:', 'h[9:1]:', '[', ']', ':', '- ', '-',
  '{', '}', '[]', '{}', ',', '&a ', '*a', '<<: ', '!vault ', '!!str ', '? ', '|', '>', '"', "'", '#', '---', '...', '\t', '  ', '    ',
  '\n', '\n  ', '\n    ', '__proto__:', 'constructor:', 'ansible_port: ', 'ansible_host: ', 'ansible_become: ', 'services:',
  'firewal: ', '${SET}', '${UNSET}', '$${SET}', 'null', '~', 'true', '0x1F', '1e400', '-0', '.inf', '\u202e', '\u200b', '\0', 'é', '😀',
  'ansible_ssh_private_key_file: /nonexistent', 'ansible_group_priority: 5',
);

test('random text never makes the loader hang or throw anything but a placed input error', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fragments, { maxLength: 60 }).map((parts) => parts.join(''))), (text) => {
      const problem = problemWith(text);
      if (problem) throw new Error(problem);
    }),
    { numRuns: 250 },
  );
  t.pass();
});

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

test('random bytes: invalid UTF-8 is refused with a position, never replaced', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const problem = problemWith(bytes);
      if (problem) throw new Error(problem);
      let valid = true;
      try {
        strictUtf8.decode(bytes);
      } catch {
        valid = false;
      }
      if (!valid) {
        const messages = inputErrorsIn(catchError(() => loadInventory(file, {})))?.map((e) => e.message) ?? [];
        if (!messages.some((m) => m.includes('not valid UTF-8'))) throw new Error(`invalid UTF-8 accepted: ${messages.join('; ')}`);
      }
    }),
    { numRuns: 200 },
  );
  t.pass();
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Keys that mean something to the loader, and some that mean nothing. */
const key = fc.oneof(
  fc.constantFrom('all', 'hosts', 'vars', 'children', 'web1', 'web2', 'db', 'h[0:3]', 'h[0:99999]', 'g[a:c][1:2]', 'bad[1:', '__proto__', 'ansible_port', 'ansible_host', 'ansible_become', 'ansible_group_priority', 'services', 'firewal', ''),
  fc.string({ maxLength: 12 }),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, 0, 22, -1, 65536, 1.5, 'yes', '${SET}', '${UNSET}', 'x'.repeat(70_000)),
    fc.string({ maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

test('random inventories never make the loader hang or throw anything but a placed input error', (t) => {
  fc.assert(
    fc.property(fc.dictionary(key, value.value, { maxKeys: 4 }), fc.option(fc.constantFrom('all', 'web1', 'db', 'h*', '!db', 'web1:&db', 'nothing', '~['), { nil: undefined }), (inventory, limit) => {
      // a dictionary with a '__proto__' key is written as one; stringify sees own keys only
      const problem = problemWith(stringify(inventory), limit);
      if (problem) throw new Error(problem);
    }),
    { numRuns: 250 },
  );
  t.pass();
});
