import { InputError } from '../core/errors.js';
import { listInventory, renderInventoryList } from '../inventory/list.js';
import { EXIT } from './exit-codes.js';
import { requireFile } from './missing-file.js';

/** `inventory --list`: the resolved inventory as ansible-inventory --list prints it, secrets masked. */
export function inventoryList(sources: string[], options: { list?: boolean }): number {
  if (!options.list) throw new InputError('inventory: give --list (the only output clamprovision implements; ansible-inventory --host and --graph are not)');
  for (const source of sources) requireFile(source);
  process.stdout.write(renderInventoryList(listInventory(sources)));
  return EXIT.ok;
}
