import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * How many cases of test/fixtures/bad/ the README says the corpus shows ("The corpus in
 * `test/fixtures/bad/` shows N of them"): the bad-input tests hold the corpus to it. NaN when the
 * sentence is gone, which fails them.
 */
export function promisedCorpusSize(): number {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  return Number(/corpus in\s+`test\/fixtures\/bad\/`\s+shows\s+(\d+)\s+of them/.exec(readme)?.[1]);
}
