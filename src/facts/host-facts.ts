/**
 * Facts: everything a run needs to know about a host, gathered in ONE remote command.
 * Modules declare FactRequests; the engine merges them, builds one script, parses its output
 * into HostFacts, and hands those to the pure planning steps.
 *
 * The two interfaces below are open: each fact kind (src/facts/kinds/NAME.ts) adds its request
 * shape to FactRequestShapes and its slot to HostFacts by declaration merging, so a module reads
 * `facts.files` or `facts.globs` with its type without this file knowing the kind.
 */

/** A fact kind's name -> the fields of its request besides `kind` (added by the kind files). */
export interface FactRequestShapes {}

export type FactKindName = keyof FactRequestShapes;

/** A request of kind K (of any of the kinds K, when K is a union). */
export type FactRequestOf<K extends FactKindName> = { [P in K]: { kind: P } & FactRequestShapes[P] }[K];

export type FactRequest = FactRequestOf<FactKindName>;

export interface OsFact {
  id: string; // debian | ubuntu | …
  versionId: string; // "12", "24.04"
  codename: string; // bookworm, noble
  prettyName: string;
  idLike: string;
}

/** The facts every run gathers (the script's prelude). */
export interface PreludeFacts {
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
}

/** The prelude's facts and the slot of each fact kind (added by the kind files). */
export interface HostFacts extends PreludeFacts {}
