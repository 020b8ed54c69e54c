/**
 * The corpus of real-world inventories in test/fixtures/inventory-corpus/: each entry a directory with
 * the inventory file(s) (and group_vars/host_vars where its source has them), a SOURCE note naming
 * the repository, commit, path and the inventories to give (`inventory: FILE`, in order), and
 * expected.json, what `ansible-inventory -i … --list` printed for it (or `{"refused": MESSAGE}`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable } from '../../src/input/executable-file.js';

export const CORPUS_DIR = fileURLToPath(new URL('../fixtures/inventory-corpus/', import.meta.url));

export interface CorpusEntry {
  name: string;
  dir: string;
  /** The inventory sources, absolute, in the order they are given. */
  inventories: string[];
  source: string;
}

/** ansible-inventory's answer: its --list document, or the reason it refused the inventory. */
export type AnsibleAnswer = { refused: string } | Record<string, unknown>;

export function corpusEntries(): CorpusEntry[] {
  return readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = path.join(CORPUS_DIR, name);
      const source = existsSync(path.join(dir, 'SOURCE')) ? readFileSync(path.join(dir, 'SOURCE'), 'utf8') : '';
      const inventories = [...source.matchAll(/^inventory: (.+)$/gm)].map((match) => path.join(dir, match[1]!.trim()));
      return { name, dir, inventories, source };
    });
}

export function readExpected(entry: CorpusEntry): AnsibleAnswer {
  return JSON.parse(readFileSync(path.join(entry.dir, 'expected.json'), 'utf8')) as AnsibleAnswer;
}

/** True when Debian's ansible-core (or any ansible-inventory) is on PATH. */
export function ansibleInventoryInstalled(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, 'ansible-inventory')));
}

/**
 * Runs `ansible-inventory -i … --list` on the entry, from an empty directory (so no ansible.cfg and no
 * playbook-adjacent group_vars of the working directory are read), failing on any source it cannot
 * parse (by default it warns and lists the rest). Returns its document, normalised by normaliseAnsibleList.
 */
export async function runAnsibleInventory(entry: CorpusEntry): Promise<AnsibleAnswer> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'ansible-inventory-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: cwd,
    LANG: 'C.UTF-8',
    ANSIBLE_HOME: path.join(cwd, '.ansible'),
    ANSIBLE_LOCAL_TEMP: path.join(cwd, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_INVENTORY_UNPARSED_FAILED: '1',
    ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: '1',
  };
  const args = [...entry.inventories.flatMap((file) => ['-i', file]), '--list'];
  try {
    return await new Promise<AnsibleAnswer>((resolve, reject) => {
      execFile('ansible-inventory', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        if (error) return resolve({ refused: refusalReason(stderr) });
        resolve(normaliseAnsibleList(JSON.parse(stdout) as Record<string, unknown>));
      });
    });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** The first error line of ansible-inventory, without the paths of this machine. */
function refusalReason(stderr: string): string {
  const line = stderr.split('\n').find((text) => text.startsWith('ERROR!')) ?? stderr.trim().split('\n')[0] ?? 'failed';
  return line.replaceAll(CORPUS_DIR, '').trim();
}

/**
 * ansible-inventory's document as the comparison needs it: the same data with keys in sorted order.
 * Nothing is dropped: ansible-inventory --list already leaves out its magic variables.
 */
export function normaliseAnsibleList(list: Record<string, unknown>): Record<string, unknown> {
  return sorted(list) as Record<string, unknown>;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => [key, sorted(item)]),
  );
}

/** Runs `work` on every item with at most `limit` at once; results in the items' order. */
export async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
