import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { tempTree } from '../input/temp-files.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

function clamprovision(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: cwd } });
}

const project = () => tempTree({ 'inventory.yml': 'all: {hosts: {web1: {}}}\n', 'site.yml': '[]\n', 'README.md': 'notes\n', 'conf/hosts.yml': '{}\n' });

test('a misspelt inventory: file not found, the nearest file of that directory suggested as typed, exit 1', (t) => {
  const dir = project();
  for (const command of ['apply', 'plan', 'validate']) {
    const result = clamprovision(dir, command, 'inventroy.yml');
    t.is(result.status, 1, command);
    t.is(result.stderr, "error: cannot read inventroy.yml: file not found (did you mean 'inventory.yml'?)\n", command);
    t.is(result.stdout, '', command);
  }
  t.is(clamprovision(dir, 'plan', 'conf/host.yml').stderr, "error: cannot read conf/host.yml: file not found (did you mean 'conf/hosts.yml'?)\n");
  t.is(clamprovision(path.join(dir, 'conf'), 'plan', '../Inventory.yaml').stderr, "error: cannot read ../Inventory.yaml: file not found (did you mean '../inventory.yml'?)\n");
});

test('no suggestion when nothing is close, or the directory is missing; directories are not suggested', (t) => {
  const dir = project();
  mkdirSync(path.join(dir, 'conf', 'inventory'));
  t.is(clamprovision(dir, 'apply', 'production.yml').stderr, 'error: cannot read production.yml: file not found\n');
  t.is(clamprovision(dir, 'apply', 'nowhere/inventory.yml').stderr, 'error: cannot read nowhere/inventory.yml: file not found\n');
  t.is(clamprovision(path.join(dir, 'conf'), 'apply', 'inventor').stderr, 'error: cannot read inventor: file not found\n');
});

test('--playbook and init --answers get the same suggestion', (t) => {
  const dir = project();
  const playbook = clamprovision(dir, 'validate', 'inventory.yml', '--playbook', 'sit.yml');
  t.is(playbook.status, 1);
  t.is(playbook.stderr, "error: cannot read sit.yml: file not found (did you mean 'site.yml'?)\n");
  writeFileSync(path.join(dir, 'answers.yml'), 'servers: []\n');
  const answers = clamprovision(dir, 'init', '--answers', 'answer.yml');
  t.is(answers.status, 1);
  t.is(answers.stderr, "error: cannot read answer.yml: file not found (did you mean 'answers.yml'?)\n");
});
