import type { FactKindName, FactRequestOf, HostFacts } from './host-facts.js';

/** Reads one output record `@@NAME FIELD…` (given the fields after NAME) into the facts. */
export type RecordParser = (fields: string[], facts: HostFacts) => void;

interface FactKindBase<K extends FactKindName> {
  readonly name: K;
  /**
   * Shell functions its commands call (POSIX sh, `cp_` names), defined once at the top of the
   * facts script. The prelude's helpers are there too: cp_b64 (stdin as `b:BASE64`) and cp_cat
   * (a file as `b:BASE64`, `-` when missing, `!` when unreadable).
   */
  readonly shell?: string;
  /** Requests with the same key ask for the same thing and are asked once. */
  key(request: FactRequestOf<K>): string;
  /** The one request to ask for a key, given the one kept so far (default: the latest). */
  combine?(kept: FactRequestOf<K> | undefined, request: FactRequestOf<K>): FactRequestOf<K>;
  /** A request that asks for nothing (no package names) is left out. */
  asksNothing?(request: FactRequestOf<K>): boolean;
  /** The records its commands print, by name (a name is owned by one kind or the prelude). */
  readonly records: Readonly<Record<string, RecordParser>>;
  /** Its slot in facts that hold nothing yet (nothing for a fact that is absent until read). */
  empty(): Partial<HostFacts>;
  /** What the facts lack of the request, in words for an error ("file /etc/x"); [] when complete. */
  missing(request: FactRequestOf<K>, facts: HostFacts): string[];
}

/**
 * A fact kind: what a module may ask about a host, the shell that reads it and the parser of what
 * that prints, side by side (as pyinfra keeps a fact's command beside its parser). Its commands are
 * either one per request, in the order asked, or one for all its requests (after the others, so one
 * dpkg-query or one systemctl serves the whole run).
 */
export type FactKind<K extends FactKindName> = FactKindBase<K> &
  (
    | { readonly batched?: false; command(request: FactRequestOf<K>): string[] }
    | { readonly batched: true; command(requests: readonly FactRequestOf<K>[]): string[] }
  );
