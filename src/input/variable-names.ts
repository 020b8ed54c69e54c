import { InputError } from '../core/errors.js';
import { locateKey } from './yaml-source.js';
import { nearest } from './suggest.js';

/**
 * The rule for variables a playbook does not read (README, "Inventory"): an inventory may carry
 * variables for other tools, so an unknown name is an error only when it is a near misspelling of
 * one the playbook reads (`firewal` for `firewall`: one edit, two for names of 8 or more
 * characters); Ansible's own (`ansible_*`) are never ours.
 */
export function misspeltVariables(vars: Record<string, unknown>, known: readonly string[]): InputError[] {
  const names = new Set(known);
  const errors: InputError[] = [];
  for (const name of Object.keys(vars)) {
    if (names.has(name) || name.startsWith('ansible_')) continue;
    // Stricter than a "did you mean": http_proxy (3 edits from http_port) is someone else's.
    const meant = nearest(name, names, (length) => (length >= 8 ? 2 : 1));
    if (meant !== undefined) {
      errors.push(new InputError(`unknown variable '${name}' (did you mean '${meant}'?): the playbook would not read it`, locateKey(vars, name)));
    }
  }
  return errors;
}
