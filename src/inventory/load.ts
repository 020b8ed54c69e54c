import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, inputErrorsIn, throwIfAny } from '../core/errors.js';
import { readInputText } from '../input/read-text.js';
import { loadYamlFile, parseYamlFileText } from '../input/yaml-file.js';
import { locate, locateKey } from '../input/yaml-source.js';
import { isVaultText } from '../vault/vault-text.js';
import { connectionSettings } from './connection.js';
import { substituteEnvironment } from './environment.js';
import { readIniInventory } from './ini-inventory.js';
import { InventoryModel, type Vars } from './model.js';
import { resolveTemplates } from './templating.js';
import type { Inventory, InventoryHost } from './types.js';
import { readVarsFiles } from './vars-files.js';
import { describe, isMapping, readYamlInventory } from './yaml-inventory.js';

/** Files Ansible skips in an inventory directory (INVENTORY_IGNORE_EXTS and the names it always ignores). */
const IGNORED_EXTENSIONS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.cfg', '.retry'];
const IGNORED_NAMES = ['group_vars', 'host_vars', 'vars_plugins'];
const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

/**
 * Reads one or more Ansible inventories (YAML or INI files, or directories of them), merged in order
 * as Ansible's repeated `-i` does, with the group_vars/ and host_vars/ beside each. Throws
 * InputError / InputErrors with file:line:col.
 */
export function loadInventory(sources: string | readonly string[], env: NodeJS.ProcessEnv = process.env): Inventory {
  const list = typeof sources === 'string' ? [sources] : [...sources];
  const model = readInventoryModel(list);
  model.errors.push(...substituteEnvironment(model.variableLayers(), env));
  throwIfAny(model.errors);

  const first = list[0]!;
  const dir = statSync(first, { throwIfNoEntry: false })?.isDirectory() ? path.resolve(first) : path.dirname(path.resolve(first));
  const errors: InputError[] = [];
  const hosts: InventoryHost[] = [];
  for (const declaration of model.hosts.values()) {
    const groups = model.groupsOf(declaration.name);
    const vars = resolveTemplates(declaration.name, model.hostVars(declaration.name), env, errors);
    try {
      const connection = connectionSettings(declaration.name, vars, dir);
      hosts.push({ name: declaration.name, groups: groups.map((group) => group.name), vars, connection, location: declaration.location });
    } catch (error) {
      const found = inputErrorsIn(error);
      if (!found) throw error;
      errors.push(...found);
    }
  }
  // A mistake in group variables shows up once per host: report it once.
  throwIfAny([...new Map(errors.map((error) => [error.format(), error])).values()]);
  if (hosts.length === 0) {
    throw new InputError(`${list.length > 1 ? 'the inventories define' : 'the inventory defines'} no hosts (add them under \`all: hosts:\` or under a group)`, { file: first, line: 1, col: 1 });
  }
  return { file: first, sources: list, dir, hosts, groups: model.membership() };
}

/**
 * The groups, hosts and variables of the inventory sources as written: every file read, with the
 * group_vars/ and host_vars/ beside each, nothing from the environment or templates resolved yet.
 * What cannot be read as Ansible reads it is in model.errors (file:line:col), for the caller to throw.
 */
export function readInventoryModel(list: readonly string[]): InventoryModel {
  const model = new InventoryModel();
  // var files may be encrypted whole with Ansible Vault, like the inventory
  const readVars = (file: string): unknown => loadYamlFile(file, { yaml11: true });
  const isDirectory = (source: string): boolean => statSync(source, { throwIfNoEntry: false })?.isDirectory() ?? false;
  for (const source of list) {
    if (isDirectory(source)) readDirectory(model, source);
    else readFile(model, source);
  }
  // As Ansible's vars plugins run on demand (RUN_VARS_PLUGINS), once every source is read: each
  // source's group_vars/ and host_vars/ apply to the groups and hosts of all of them.
  list.forEach((source, index) => readVarsFiles(model, isDirectory(source) ? source : path.dirname(source), index, readVars));
  return model;
}

/** Every file of an inventory directory in sorted order, subdirectories included, as Ansible reads it. */
function readDirectory(model: InventoryModel, dir: string): void {
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || IGNORED_NAMES.includes(entry) || IGNORED_EXTENSIONS.some((extension) => entry.endsWith(extension))) continue;
    const full = path.join(dir, entry);
    const stat = statSync(full);
    if (stat.isDirectory()) readDirectory(model, full);
    else if (stat.mode & 0o111 && stat.isFile()) {
      model.errors.push(new InputError(`${full} is executable: Ansible would run it as an inventory script, which clamprovision does not do (chmod -x it if it is a plain inventory file)`, { file: full, line: 1, col: 1 }));
    } else readFile(model, full);
  }
}

/**
 * One inventory file, told apart as Ansible does: .yml/.yaml/.json are YAML; a file without an
 * extension is YAML when it reads as a mapping, INI otherwise; .toml is refused; any other file
 * (hosts.ini, hosts.cfg) is INI.
 */
function readFile(model: InventoryModel, file: string): void {
  let text: string;
  try {
    text = readInputText(file);
  } catch (error) {
    model.errors.push(...(inputErrorsIn(error) ?? []));
    return;
  }
  const extension = path.extname(file).toLowerCase();
  if (text.startsWith('#!') && (statSync(file).mode & 0o111) !== 0) {
    model.errors.push(new InputError(`${path.basename(file)} is an inventory script (executable, starting with #!), which clamprovision does not run: save what it prints with \`ansible-inventory -i ${path.basename(file)} --list --yaml > inventory.yml\``, { file, line: 1, col: 1 }));
    return;
  }
  if (extension === '.toml') {
    // Ansible's toml plugin reads only files named *.toml; read as INI, such a file gives a page of noise
    model.errors.push(new InputError(`${path.basename(file)} is a TOML inventory, which clamprovision does not read: convert it with \`ansible-inventory -i ${path.basename(file)} --list --yaml > inventory.yml\``, { file, line: 1, col: 1 }));
    return;
  }
  if (isVaultText(text)) {
    // decrypted as YAML (its values become secrets); an INI inventory encrypted whole is not read
    let data: unknown;
    try {
      data = loadYamlFile(file, { yaml11: true });
    } catch (error) {
      model.errors.push(...(inputErrorsIn(error) ?? [new InputError((error as Error).message, { file, line: 1, col: 1 })]));
      return;
    }
    if (!isMapping(data)) {
      model.errors.push(new InputError('an inventory encrypted whole with Ansible Vault must be YAML: encrypt a YAML inventory, or single values with `ansible-vault encrypt_string`', { file, line: 1, col: 1 }));
      return;
    }
    return readYamlData(model, data, file);
  }
  if (!YAML_EXTENSIONS.includes(extension) && extension !== '') return readIniInventory(model, text, file);
  let data: unknown;
  try {
    data = parseYamlFileText(text, file, { yaml11: true });
  } catch (error) {
    const found = inputErrorsIn(error);
    if (!found) throw error;
    if (extension === '') return readIniInventory(model, text, file);
    model.errors.push(...found);
    return;
  }
  if (extension === '' && !isMapping(data)) return readIniInventory(model, text, file);
  readYamlData(model, data, file);
}

function readYamlData(model: InventoryModel, data: unknown, file: string): void {
  const start = { file, line: 1, col: 1 };
  if (data === null || data === undefined) {
    model.errors.push(new InputError('the inventory is empty: it needs at least `all: {hosts: {NAME: …}}`', start));
    return;
  }
  if (!isMapping(data)) {
    model.errors.push(new InputError(`the inventory must be a mapping of groups (starting with \`all:\`), not ${describe(data)}`, locate(data as object) ?? start));
    return;
  }
  if ('plugin' in data) {
    model.errors.push(
      new InputError(`this is the configuration of the inventory plugin '${String(data.plugin)}' (plugin: …), which clamprovision does not run: give it a static inventory (ansible-inventory -i ${path.basename(file)} --list --yaml writes one)`, locateKey(data, 'plugin') ?? start),
    );
    return;
  }
  readYamlInventory(model, data as Vars, file);
}
