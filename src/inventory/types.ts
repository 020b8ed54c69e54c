import type { SourceLocation } from '../core/errors.js';

/** A host an SSH connection goes to: the inventory host itself, or a jump host on the way. */
export interface SshEndpoint {
  address: string;
  port: number;
  user: string;
  /** IdentityFile of the ssh config or `-i`: tried after the agent, instead of ~/.ssh/id_ed25519 and id_rsa */
  identityFiles?: string[];
  /** IdentityAgent of the ssh config: this agent socket instead of SSH_AUTH_SOCK; 'none' for no agent */
  agentSocket?: string;
  hostKeyChecking: boolean;
  /** UserKnownHostsFile (ssh config, ansible_ssh_common_args / ansible_ssh_extra_args) */
  knownHostsFile?: string;
}

export interface ConnectionSettings extends SshEndpoint {
  /** Absolute path on the controller. */
  privateKeyFile?: string;
  password?: string;
  become: boolean;
  becomePassword?: string;
  /** ProxyJump (ssh config, -J): the jump hosts, first to last, each one's host key checked as a direct connection's */
  jumps?: SshEndpoint[];
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
