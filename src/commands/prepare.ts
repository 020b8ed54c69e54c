import path from 'node:path';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { InputError, inputErrorsIn, throwIfAny } from '../core/errors.js';
import { loadInventory } from '../inventory/load.js';
import { matchHosts } from '../inventory/limit.js';
import type { Inventory, InventoryHost } from '../inventory/types.js';
import { compilePlay, type RunVariables } from '../playbook/compile.js';
import { loadPlaybook } from '../playbook/load.js';
import { withRunMemo } from '../input/run-memo.js';
import type { CompiledPlay, Playbook } from '../playbook/types.js';
import { requireFile } from './missing-file.js';

export const BUILTIN_PLAYBOOK = path.join(PACKAGE_ROOT, 'playbooks', 'clam-webservice.yml');

export interface PrepareOptions {
  /** one inventory or several, merged in order (files or directories) */
  inventory: string | string[];
  playbook?: string;
  limit?: string;
  tags?: string[];
  /** the run variables a command sets (rollback) */
  run?: Partial<RunVariables>;
}

export interface PreparedRun {
  inventory: Inventory;
  playbook: Playbook;
  hosts: InventoryHost[];
  /** host name -> the plays it runs, compiled for it */
  plays: Map<string, CompiledPlay[]>;
}

function playHostNames(inventory: Inventory, pattern: string): Set<string> {
  try {
    return new Set(matchHosts(inventory, pattern, 'hosts').map((h) => h.name));
  } catch {
    // A play whose pattern matches nothing simply has no hosts (as in Ansible).
    return new Set();
  }
}

/**
 * Everything that can be checked without a host: inventory, --limit, playbook, every task of every host
 * rendered and checked. Throws InputError(s); contacts no host.
 */
export function prepareRun(options: PrepareOptions): PreparedRun {
  const plays = new Map<string, CompiledPlay[]>();
  const checked = checkRun(options, (host, compiled) => plays.set(host.name, compiled));
  return { ...checked, plays };
}

/**
 * prepareRun for `validate`: each host's plays are compiled, checked and given to `onHost`, then
 * dropped, so that the memory a run needs does not grow with every task of every host.
 */
export function checkRun(options: PrepareOptions, onHost: (host: InventoryHost, plays: CompiledPlay[]) => void): Omit<PreparedRun, 'plays'> {
  return withRunMemo(() => compileHosts(options, onHost));
}

function compileHosts(options: PrepareOptions, onHost: (host: InventoryHost, plays: CompiledPlay[]) => void): Omit<PreparedRun, 'plays'> {
  for (const source of [options.inventory].flat()) requireFile(source);
  if (options.playbook !== undefined) requireFile(options.playbook);
  const inventory = loadInventory(options.inventory);
  const hosts = matchHosts(inventory, options.limit, '--limit');
  const playbook = loadPlaybook(options.playbook ?? BUILTIN_PLAYBOOK);
  const errors: InputError[] = [];
  const seen = new Set<string>();
  const playHosts = playbook.plays.map((play) => playHostNames(inventory, play.hosts));
  for (const host of hosts) {
    const compiled: CompiledPlay[] = [];
    playbook.plays.forEach((play, index) => {
      if (!playHosts[index]!.has(host.name)) return;
      try {
        compiled.push(compilePlay(playbook, play, { name: host.name, vars: host.vars, inventoryDir: inventory.dir, location: host.location }, { tags: options.tags, run: options.run }));
      } catch (error) {
        const found = inputErrorsIn(error);
        if (!found) throw error;
        // The same mistake in group vars shows up once per host: report it once.
        for (const e of found) {
          if (!seen.has(e.format())) {
            seen.add(e.format());
            errors.push(e);
          }
        }
      }
    });
    onHost(host, compiled);
  }
  throwIfAny(errors);
  return { inventory, playbook, hosts };
}
