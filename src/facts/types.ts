/**
 * Facts: everything a run needs to know about a host, gathered in ONE remote command.
 * Modules declare FactRequests; the engine merges them, builds one script, parses its output
 * into HostFacts, and hands those to the pure planning steps.
 */
export type FactRequest =
  /** stat + sha256; with content: the bytes of a regular file up to 256 KiB (for diffs). */
  | { kind: 'file'; path: string; content?: boolean }
  /** recursive listing of a directory with type/mode/owner/group and sha256 of each regular file. */
  | { kind: 'tree'; path: string }
  /** dpkg state; for packages not installed also whether apt knows a candidate. */
  | { kind: 'packages'; names: string[] }
  | { kind: 'service'; name: string }
  | { kind: 'ufw' }
  /** a virtualenv: bin/pip present, python version, installed distributions, marker files. */
  | { kind: 'venv'; path: string }
  | { kind: 'user'; name: string }
  | { kind: 'group'; name: string }
  /** a read-only shell command whose exit code is recorded (for command's `unless`). */
  | { kind: 'probe'; command: string };

export type FileType = 'file' | 'directory' | 'link' | 'other';

export type FileFact =
  | { exists: false }
  | {
      exists: true;
      type: FileType;
      mode: number;
      owner: string;
      group: string;
      size: number;
      sha256?: string;
      /** present when requested, the file is regular and at most 256 KiB */
      content?: Buffer;
      linkTarget?: string;
    };

export interface TreeEntry {
  type: FileType;
  mode: number;
  owner: string;
  group: string;
  sha256?: string;
  linkTarget?: string;
}

export interface TreeFact {
  exists: boolean;
  /** keyed by path relative to the tree root, '/'-separated, without leading './' */
  entries: Map<string, TreeEntry>;
}

export interface PackageFact {
  installed: boolean;
  version?: string;
  /** apt's candidate version; null when apt does not know the package; undefined when not asked */
  candidate?: string | null;
  /** removed, but its configuration files are still on the host (dpkg state "rc") */
  configFiles?: boolean;
}

export interface ServiceFact {
  /** the unit (or init script) exists */
  exists: boolean;
  active: string; // active | inactive | failed | activating | …
  enabled: string; // enabled | disabled | static | masked | … ('' when unknown)
  mainPid?: number;
  /** how the service is managed: a systemd unit, or an init script where systemd is not PID 1 */
  manager: 'systemd' | 'initscript';
  /** systemd: the unit file changed on disk since it was loaded (daemon-reload needed) */
  needsDaemonReload?: boolean;
}

export interface UfwRule {
  action: 'allow' | 'deny' | 'reject' | 'limit';
  direction: 'in' | 'out';
  /** port or range like "80", "8000:8100"; undefined = any */
  port?: string;
  proto: 'tcp' | 'udp' | 'any';
  from: string; // "any" or CIDR
  to: string; // "any" or CIDR
  v6: boolean;
  /**
   * a rule clamprovision does not manage and never deletes: route rules, rules on an interface,
   * with a source port, an application profile or logging
   */
  unmanaged?: boolean;
  /** the tuple line as ufw stores it (for messages) */
  tuple?: string;
}

export interface UfwFact {
  installed: boolean;
  /** false when the rule files could not be read (not root): nothing below can be trusted */
  readable: boolean;
  enabled: boolean;
  /** IPV6=yes in /etc/default/ufw: rules for "any" address are added for IPv6 too */
  ipv6: boolean;
  /** allow | deny | reject (ufw's words, from DEFAULT_*_POLICY in /etc/default/ufw) */
  defaults: { incoming: string; outgoing: string; routed: string };
  rules: UfwRule[];
}

export interface VenvFact {
  /** bin/pip exists and is executable (a partial venv without pip counts as absent) */
  exists: boolean;
  python?: string; // e.g. "3.11.2"
  /** normalized distribution name (PEP 503: lowercase, runs of -_. as '-') -> version */
  packages: Map<string, string>;
  /** contents of small marker files clamprovision keeps in VENV/.clamprovision/ (name -> content) */
  markers: Map<string, string>;
}

export interface UserFact {
  exists: boolean;
  uid?: number;
  gid?: number;
  group?: string;
  home?: string;
  shell?: string;
  groups: string[];
}

export interface GroupFact {
  exists: boolean;
  gid?: number;
}

export interface OsFact {
  id: string; // debian | ubuntu | …
  versionId: string; // "12", "24.04"
  codename: string; // bookworm, noble
  prettyName: string;
  idLike: string;
}

export interface HostFacts {
  os: OsFact;
  /** PID 1: systemd or something else (sysvinit, a container's shell) */
  init: 'systemd' | 'other';
  /** the user the facts were gathered as (root when become) */
  user: string;
  /** the server-side port of the SSH connection in use (from SSH_CONNECTION) */
  sshPort?: number;
  /** the client side's address of that connection (from SSH_CONNECTION): the controller as the host sees it */
  sshClientAddress?: string;
  /** seconds since the apt lists were last updated; undefined when never */
  aptListsAge?: number;
  files: Map<string, FileFact>;
  trees: Map<string, TreeFact>;
  packages: Map<string, PackageFact>;
  services: Map<string, ServiceFact>;
  ufw?: UfwFact;
  venvs: Map<string, VenvFact>;
  users: Map<string, UserFact>;
  groups: Map<string, GroupFact>;
  /** probe command -> exit code */
  probes: Map<string, number>;
}
