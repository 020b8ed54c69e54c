import type { SourceLocation } from '../core/errors.js';

export interface ConnectionSettings {
  address: string;
  port: number;
  user: string;
  /** Absolute path on the controller. */
  privateKeyFile?: string;
  password?: string;
  become: boolean;
  becomePassword?: string;
  hostKeyChecking: boolean;
  /** From `-o UserKnownHostsFile=PATH` in ansible_ssh_common_args / ansible_ssh_extra_args. */
  knownHostsFile?: string;
}

export interface InventoryHost {
  name: string;
  /** Every group the host belongs to, directly or through nesting (always includes 'all'). */
  groups: string[];
  /** Merged variables (all < parent group < child group < host); values are the parsed originals. */
  vars: Record<string, unknown>;
  connection: ConnectionSettings;
  /** Where the host is (first) declared. */
  location?: SourceLocation;
}

export interface Inventory {
  /** The first inventory source given (a file or a directory). */
  file: string;
  /** Every source given, in the order they merge. */
  sources: string[];
  /** Relative paths in variables are taken from here: the first source's directory (or the directory itself). */
  dir: string;
  hosts: InventoryHost[];
  /** group -> all host names, including those of nested groups. */
  groups: Map<string, string[]>;
}
