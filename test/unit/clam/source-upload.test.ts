import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { copy, type PreparedCopy } from '../../../src/modules/copy.js';
import type { PrepareContext } from '../../../src/modules/types.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { lines, tempTree } from '../input/temp-files.js';

// vars_schema: clam and clam_check come from the CLAM plugin, as in the CLI.
registerBuiltinPlugins();

const builtInPlaybook = loadPlaybook(fileURLToPath(new URL('../../../playbooks/clam-webservice.yml', import.meta.url)));

/** A service whose source is the inventory's own directory, as the wizard sets it up for `source: .`. */
function serviceBesideItsInventory() {
  return tempTree({
    'inventory.yml': lines('# the wizard wrote this', 'all: {hosts: {web1: {}}}'),
    'answers.yml': 'server_name: x',
    '.env': 'TOKEN=secret',
    'app.wsgi': 'application = None',
    'app.py': 'print("hi")',
  });
}

/** The upload's local entries and the pip task's reinstall trigger, as the built-in playbook compiles them. */
function compiled(dir: string) {
  const vars = { webserver: 'nginx', services: [{ name: 'svc', source: '.', wsgi: 'app.wsgi', url_prefix: '/' }] };
  const play = compilePlay(builtInPlaybook, builtInPlaybook.plays[0]!, { name: 'web1', vars, inventoryDir: dir });
  const argsOf = (name: string) => {
    const task = play.tasks.find((candidate) => candidate.name === name);
    if (task?.kind !== 'module') throw new Error(`no module task '${name}'`);
    return task.args as Record<string, unknown>;
  };
  const source = (argsOf('Upload the source of svc') as Partial<PreparedCopy>).source;
  if (source?.kind !== 'directory') throw new Error('the source was not read as a directory');
  return { entries: source.entries, reinstallOn: argsOf('Python packages of svc').reinstall_on };
}

test('the built-in playbook uploads no inventory, answers or .env; a comment changed in the inventory changes neither upload nor digest', (t) => {
  const dir = serviceBesideItsInventory();
  const before = compiled(dir);
  t.deepEqual(before.entries.map((entry) => entry.path), ['app.py', 'app.wsgi']);
  t.regex(String(before.reinstallOn), /^[0-9a-f]{64}$/);

  writeFileSync(path.join(dir, 'inventory.yml'), lines('# a changed comment', 'all: {hosts: {web1: {}}}'));
  t.deepEqual(compiled(dir), before);

  writeFileSync(path.join(dir, 'app.py'), 'print("hello")');
  const afterCode = compiled(dir);
  t.notDeepEqual(afterCode.entries, before.entries);
  t.not(afterCode.reinstallOn, before.reinstallOn);
});

function prepareDirectory(dir: string, extra: Record<string, unknown>): string[] {
  const context: PrepareContext = { vars: {}, playbookDir: dir, resolveTemplate: (src) => path.join(dir, src), resolveLocal: (local) => path.join(dir, local) };
  const args = copy.prepare!(copy.schema.parse({ src: 'conf', dest: '/etc/app', ...extra }), context);
  return args.source?.kind === 'directory' ? args.source.entries.map((entry) => entry.path) : [];
}

test('copy: exclude_local_clutter gives a directory the rules of a service source; without it only the generic ones', (t) => {
  const dir = tempTree({ 'conf/app.ini': 'x', 'conf/.env': 'x', 'conf/.git/HEAD': 'x', 'conf/.clamprovisionignore': lines('*.ini') });
  t.deepEqual(prepareDirectory(dir, {}), ['.env']);
  t.deepEqual(prepareDirectory(dir, { exclude_local_clutter: false }), ['.env']);
  t.deepEqual(prepareDirectory(dir, { exclude_local_clutter: true }), []);
});
