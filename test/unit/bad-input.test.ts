import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerClamPlugin } from '../../src/clam/plugin.js';
import { BUILTIN_PLAYBOOK } from '../../src/commands/prepare.js';
import { formatLocation } from '../../src/core/errors.js';
import { matchHosts } from '../../src/inventory/limit.js';
import { loadInventory } from '../../src/inventory/load.js';
import { playScope } from '../../src/playbook/compile.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { inputErrorsThrownBy } from './input/thrown-input-errors.js';
import { promisedCorpusSize } from './bad-input-promise.js';

/**
 * Each case of test/fixtures/bad/ holds an inventory.yml (and optionally limit.txt, plus the files
 * it refers to) and expected.txt: line 1 is where the error must point (`inventory.yml:LINE:COL`,
 * or `--limit` for errors in the limit pattern), line 2 a phrase its message must contain.
 */
const corpus = fileURLToPath(new URL('../fixtures/bad/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((name) => statSync(path.join(corpus, name)).isDirectory())
  .sort();


registerClamPlugin();
/** The built-in playbook's play: its vars schema (normalizeClamVars) and its variable names. */
const clamPlay = loadPlaybook(BUILTIN_PLAYBOOK).plays[0]!;

function checkCase(dir: string): void {
  // An empty environment: no case may depend on the machine that runs the tests.
  const inventory = loadInventory(path.join(dir, 'inventory.yml'), {});
  const limitFile = path.join(dir, 'limit.txt');
  const limit = existsSync(limitFile) ? readFileSync(limitFile, 'utf8').trim() : undefined;
  for (const host of matchHosts(inventory, limit, '--limit')) {
    playScope(clamPlay, { name: host.name, vars: host.vars, inventoryDir: inventory.dir, location: host.location });
  }
}

test('the corpus has at least as many cases as the README says it shows', (t) => {
  const promised = promisedCorpusSize();
  t.true(cases.length >= promised, `${cases.length} cases; the README says the corpus shows ${promised}`);
});

for (const name of cases) {
  test(name, (t) => {
    const dir = path.join(corpus, name);
    const [where, phrase] = readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').map((line) => line.trim());
    t.truthy(where && phrase, 'expected.txt needs a position line and a phrase line');

    const errors = inputErrorsThrownBy(() => checkCase(dir));
    t.not(errors.length, 0, 'the case was accepted');

    const shown = errors.map((error) => {
      const location = error.location ? formatLocation({ ...error.location, file: path.relative(dir, error.location.file) }) : '';
      return { location, message: error.message, text: `${location || '(no position)'}: ${error.message}` };
    });
    const matching = shown.find((error) =>
      where === '--limit'
        ? error.location === '' && error.message.startsWith('--limit: ') && error.message.includes(phrase!)
        : error.location === where && error.message.includes(phrase!),
    );
    t.truthy(matching, `expected ${where}: …${phrase}…\ngot:\n${shown.map((error) => error.text).join('\n')}`);
  });
}
