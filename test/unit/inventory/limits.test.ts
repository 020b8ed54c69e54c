/** Issue 14, defect 16: a huge server_name, given in the file or from the environment, is an error with a position. */
import test from 'ava';
import path from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';
import { tempTree } from '../input/temp-files.js';

const services = '      services:\n        - {name: demo, wsgi: /opt/demo/demo.wsgi}\n';

test('a 5 MB server_name is refused as a file too large to be an inventory', (t) => {
  const dir = tempTree({ 'inventory.yml': `all:\n  hosts:\n    web1:\n      server_name: ${'a'.repeat(5_000_000)}\n${services}` });
  const [error] = inputErrorsThrownBy(() => loadInventory(path.join(dir, 'inventory.yml'), {}));
  t.regex(error?.format() ?? '', /inventory\.yml:1:1: cannot read .* more than the 4194304 an input file may have/);
});

test('a value made long by the environment is refused at the value', (t) => {
  const dir = tempTree({ 'inventory.yml': `all:\n  hosts:\n    web1:\n      server_name: "\${BIG}"\n${services}` });
  const [error] = inputErrorsThrownBy(() => loadInventory(path.join(dir, 'inventory.yml'), { BIG: 'a'.repeat(100_000) }));
  t.regex(error?.format() ?? '', /inventory\.yml:4:20: the value is 100000 characters long with the environment's values: at most 65536 are allowed/);
});
