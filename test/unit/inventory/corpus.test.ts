/**
 * Real-world inventories (test/fixtures/inventory-corpus/, each with a SOURCE note) resolved by our
 * `inventory --list` and by Ansible's `ansible-inventory --list`: hosts, groups (their hosts and
 * children) and every host variable agree, or both refuse the inventory. An entry where clamprovision
 * differs on purpose has a difference.json: the reason (the README says it too) and what we give instead.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inputErrorsIn } from '../../../src/core/errors.js';
import { listInventory } from '../../../src/inventory/list.js';
import { ansibleInventoryInstalled, type AnsibleAnswer, corpusEntries, type CorpusEntry, inPool, readExpected, runAnsibleInventory } from '../../helpers/inventory-corpus.js';

interface Difference {
  reason: string;
  /** Our answer instead of ansible-inventory's: a list document, or `{refused: TEXT}` (TEXT in our error). */
  clamprovision: AnsibleAnswer;
}

const entries = corpusEntries();

function ours(entry: CorpusEntry): AnsibleAnswer {
  try {
    return JSON.parse(JSON.stringify(listInventory(entry.inventories))) as AnsibleAnswer;
  } catch (error) {
    const errors = inputErrorsIn(error);
    if (!errors) throw error;
    return { refused: errors.map((e) => e.format()).join('\n') };
  }
}

function difference(entry: CorpusEntry): Difference | undefined {
  const file = path.join(entry.dir, 'difference.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Difference) : undefined;
}

const isRefusal = (answer: AnsibleAnswer): answer is { refused: string } => !('_meta' in answer) && typeof answer.refused === 'string';

/** Our answer agrees with Ansible's (or with the documented difference): the same document, or both refuse. */
function assertAgrees(t: import('ava').ExecutionContext, entry: CorpusEntry, ansible: AnsibleAnswer): void {
  const expected = difference(entry)?.clamprovision ?? ansible;
  const actual = ours(entry);
  if (isRefusal(expected)) {
    t.true(isRefusal(actual), `ansible-inventory refuses ${entry.name} (${expected.refused}); we list it`);
    if (isRefusal(actual) && difference(entry)) t.true(actual.refused.includes(expected.refused), actual.refused);
    return;
  }
  if (isRefusal(actual)) return void t.fail(`we refuse ${entry.name}, ansible-inventory lists it:\n${actual.refused}`);
  t.deepEqual(actual, expected);
}

test('the corpus holds at least 40 real-world inventories, each with a SOURCE note naming where it is from and an expected.json', (t) => {
  t.true(entries.length >= 40, `${entries.length} entries`);
  for (const entry of entries) {
    t.regex(entry.source, /^repository: https:\/\/\S+$/m, `${entry.name}/SOURCE names no repository`);
    t.regex(entry.source, /^(commit: [0-9a-f]{40}|url: https:\/\/\S+)$/m, `${entry.name}/SOURCE names no commit or url`);
    t.regex(entry.source, /^path: \S+/m, `${entry.name}/SOURCE names no path`);
    t.true(entry.inventories.length > 0 && entry.inventories.every((file) => existsSync(file)), `${entry.name}/SOURCE names no inventory that exists`);
    t.true(existsSync(path.join(entry.dir, 'expected.json')), `${entry.name} has no expected.json`);
    const why = difference(entry);
    if (why) t.true(why.reason.length > 20, `${entry.name}/difference.json gives no reason`);
  }
});

for (const entry of entries) {
  test(`${entry.name}: inventory --list resolves it as ansible-inventory --list does`, (t) => {
    assertAgrees(t, entry, readExpected(entry));
  });
}

const installed = ansibleInventoryInstalled();
if (installed) {
  test('live: ansible-inventory --list of this machine agrees with ours on every corpus entry', async (t) => {
    t.timeout(300_000);
    const answers = await inPool(entries, 2, runAnsibleInventory);
    entries.forEach((entry, index) => assertAgrees(t, entry, answers[index]!));
  });
} else {
  test.skip('live: ansible-inventory --list agrees with ours on every corpus entry — skipped: ansible-inventory is not installed (apt-get install ansible-core)', () => {});
}
