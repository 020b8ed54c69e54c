import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, inputErrorsIn } from '../core/errors.js';
import { locate } from '../input/yaml-source.js';
import type { InventoryModel, Vars } from './model.js';
import { describe, isMapping } from './yaml-inventory.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/**
 * group_vars/ and host_vars/ in an inventory source's directory, as Ansible's host_group_vars plugin
 * reads them: for a group or host NAME, the first of NAME (a file, or a directory of such files, read
 * in sorted order, hidden ones skipped), NAME.yml, NAME.yaml, NAME.json. Only existing groups and
 * hosts are looked up; the values are read like an inventory's (YAML 1.1), `${NAME}` in them too.
 */
export function readVarsFiles(model: InventoryModel, baseDir: string, source: number, read: (file: string) => unknown): void {
  const groupDir = path.join(baseDir, 'group_vars');
  const hostDir = path.join(baseDir, 'host_vars');
  for (const group of statSync(groupDir, { throwIfNoEntry: false }) ? model.groups.values() : []) {
    for (const file of varsFiles(groupDir, group.name)) {
      const vars = mappingIn(model, file, read);
      if (vars) group.fileVars.push({ source, vars });
    }
  }
  // without host_vars/, 100,000 hosts need not be looked up four times each
  for (const host of statSync(hostDir, { throwIfNoEntry: false }) ? model.hosts.values() : []) {
    for (const file of varsFiles(hostDir, host.name)) {
      const vars = mappingIn(model, file, read);
      if (vars) host.fileVars.push({ source, vars });
    }
  }
}

/**
 * A name that cannot be one file name (a `/`, a NUL, `.` or `..`) has no vars file: looking it up
 * would read outside group_vars/ (`../../etc/x`) or fail.
 */
function isFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

function varsFiles(dir: string, name: string): string[] {
  if (!isFileName(name)) return [];
  for (const extension of EXTENSIONS) {
    const candidate = path.join(dir, name + extension);
    const stat = statSync(candidate, { throwIfNoEntry: false });
    if (!stat) continue;
    return stat.isDirectory() ? filesBelow(candidate) : [candidate];
  }
  return [];
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir)
    .filter((entry) => !entry.startsWith('.'))
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) return filesBelow(full);
      return EXTENSIONS.includes(path.extname(entry)) ? [full] : [];
    });
}

function mappingIn(model: InventoryModel, file: string, read: (file: string) => unknown): Vars | undefined {
  let data: unknown;
  try {
    data = read(file);
  } catch (error) {
    const found = inputErrorsIn(error);
    if (!found) throw error;
    model.errors.push(...found);
    return undefined;
  }
  if (data === null || data === undefined) return undefined;
  if (isMapping(data)) return data;
  model.errors.push(new InputError(`${path.basename(path.dirname(file))}/${path.basename(file)} must be a mapping of variable names to values, not ${describe(data)}`, locate(data as object) ?? { file, line: 1, col: 1 }));
  return undefined;
}
