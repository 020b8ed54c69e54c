/** Issue 19: a plan records the files it was made from (inventory, playbook, templates, uploaded sources) and finds what changed since. */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { prepareRun } from '../../../src/commands/prepare.js';
import { logInputReads } from '../../../src/input/read-log.js';
import { inputChanges, inputHashes, inputName } from '../../../src/plan-file/inputs.js';
import { repoRoot } from '../../helpers/cli.js';
import { makeProject, SECRET_ENV, type Project } from './fixture.js';

Object.assign(process.env, SECRET_ENV);

function inputsOf(project: Project) {
  const { reads } = logInputReads(() => prepareRun({ inventory: project.inventory, playbook: project.playbook }));
  return inputHashes(reads);
}

const name = (file: string) => relative(process.cwd(), file);

test('the inputs of a run: inventory, playbook, each template and each uploaded file, with their sha256', (t) => {
  const project = makeProject();
  const inputs = inputsOf(project);
  t.deepEqual(inputs.map((input) => input.path).sort(), [project.inventory, project.playbook, project.sourceFile, project.template].map(name).sort());
  t.true(inputs.every((input) => /^[0-9a-f]{64}$/.test(input.sha256)));
  t.deepEqual(inputsOf(project), inputs, 'the same files, the same hashes');
});

test('with the built-in playbook: its templates and the service source are inputs, named from the package', (t) => {
  registerBuiltinPlugins();
  const project = makeProject();
  const inventory = join(project.dir, 'clam.yml');
  writeFileSync(inventory, `all:\n  hosts:\n    web1:\n      services:\n        - {name: hello, source: ${join(repoRoot, 'examples', 'hello')}, wsgi: hello.wsgi}\n`);
  const { reads } = logInputReads(() => prepareRun({ inventory }));
  const names = inputHashes(reads).map((input) => input.path);
  t.true(names.includes('clamprovision:playbooks/clam-webservice.yml'), names.join('\n'));
  t.true(names.some((file) => file.startsWith('clamprovision:templates/')), names.join('\n'));
  t.true(names.includes('clamprovision:examples/hello/hello.wsgi'), names.join('\n'));
  t.true(names.includes(name(inventory)));
});

test('an edited inventory or template, a new or removed source file: each named', (t) => {
  const project = makeProject();
  const before = inputsOf(project);
  writeFileSync(project.template, 'greeting = <%= greeting %>!\n');
  writeFileSync(project.inventory, 'all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1, ansible_port: 9}\n  vars:\n    greeting: hi\n    app_password: x\n');
  writeFileSync(join(project.dir, 'src', 'new.py'), '\n');
  const changes = inputChanges(before, inputsOf(project));
  t.deepEqual(changes, [`${name(project.inventory)}: changed`, `${name(project.template)}: changed`, `${name(join(project.dir, 'src', 'new.py'))}: new (read now, not when the plan was made)`]);
  t.deepEqual(inputChanges(inputsOf(project), before).filter((line) => line.includes('new.py')), [`${name(join(project.dir, 'src', 'new.py'))}: no longer read (removed, or left out of the run)`]);
  t.deepEqual(inputChanges(before, before), []);
});

test("clamprovision's own files are named from the package, wherever it is installed", (t) => {
  t.is(inputName(join(repoRoot, 'templates', 'nginx.conf.ejs'), '/somewhere/else'), 'clamprovision:templates/nginx.conf.ejs');
  t.is(inputName('/work/project/inventory.yml', '/work/project'), 'inventory.yml');
});
