/**
 * docs/claims.md maps every claim of the README's Usage options and "What it does" to tests: every
 * claim has a row, every row is still a claim of the README, and every test it names exists.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

interface Row {
  claim: string;
  file: string;
  title: string;
}

/** A section of the README, from its `## ` heading to the next. */
function section(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README: no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The first cell of each row of the Usage section's option table. */
function optionClaims(readme: string): string[] {
  const rows = section(readme, 'Usage')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  return rows.map((line) => line.split('|')[1]!.trim());
}

/** Each bullet of "What it does", and each sentence of the paragraph after the list. */
function whatItDoesClaims(readme: string): string[] {
  const text = section(readme, 'What it does');
  const bullets = [...text.matchAll(/^- ([\s\S]*?)(?=\n- |\n\n)/gm)].map((m) => squash(m[1]!));
  const after = text.slice(text.lastIndexOf('\n- ')).split('\n\n')[1] ?? '';
  const sentences = squash(after).split(/(?<=\.) (?=[A-Z`])/).filter(Boolean);
  return [...bullets, ...sentences];
}

function claimRows(): Row[] {
  return read('docs/claims.md')
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| claim |'))
    .map((line) => {
      const cells = line.slice(1, -1).split(' | ').map((cell) => cell.trim());
      return { claim: cells[0] ?? '', file: cells[1] ?? '', title: cells[2] ?? '' };
    });
}

const readme = read('README.md');
const options = optionClaims(readme);
const whatItDoes = whatItDoesClaims(readme);
const rows = claimRows();
const missing = rows.filter((row) => row.file === 'missing');

test('the README parts are found: the option table and the claims of "What it does"', (t) => {
  t.true(options.length >= 10, options.join('\n'));
  t.true(options.includes('`--serial N`'));
  t.true(whatItDoes.length >= 8, whatItDoes.join('\n'));
  t.true(whatItDoes.some((claim) => claim.startsWith('A second `apply` changes nothing')));
});

test('every option of the README\'s table and every claim of "What it does" has a row in docs/claims.md', (t) => {
  const uncovered = [
    ...options.filter((option) => !rows.some((row) => row.claim === option)),
    ...whatItDoes.filter((claim) => !rows.some((row) => claim.includes(squash(row.claim)))),
  ];
  t.deepEqual(uncovered, [], 'claims of the README without a row in docs/claims.md');
});

test('every row of docs/claims.md is still a claim of the README (an option, or a piece of "What it does")', (t) => {
  const stale = rows.filter((row) => !options.includes(row.claim) && !whatItDoes.some((claim) => claim.includes(squash(row.claim))));
  t.deepEqual(stale.map((row) => row.claim), []);
});

test('every test docs/claims.md names is in its file', (t) => {
  const wrong: string[] = [];
  for (const row of rows.filter((r) => r.file !== 'missing')) {
    if (!existsSync(path.join(repoRoot, row.file))) {
      wrong.push(`${row.file}: no such file`);
      continue;
    }
    // the title as written in the source: quotes inside it escaped or not
    const source = read(row.file).replace(/\\(['"`])/g, '$1');
    if (!row.title || !source.includes(row.title)) wrong.push(`${row.file}: no test "${row.title}"`);
  }
  t.deepEqual(wrong, []);
});

test('no claim of the README is left without a test (no `missing` row)', (t) => {
  t.deepEqual(missing.map((row) => row.claim), []);
});
