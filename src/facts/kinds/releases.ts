import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

/** the releases of one service: the directories under HOME/releases and where HOME/current leads */
export interface ReleasesRequest {
  home: string;
}

export interface ReleaseEntry {
  id: string;
  /** when apply last made it current (ISO 8601, UTC); undefined for a release never completed */
  deployedAt?: string;
}

export interface ReleasesFact {
  /** the release HOME/current points to; null when there is no such link */
  current: string | null;
  /** every directory under HOME/releases, in name order */
  releases: ReleaseEntry[];
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    releases: ReleasesRequest;
  }
  interface HostFacts {
    /** service home -> its releases */
    releases: Map<string, ReleasesFact>;
  }
}

/** The file in a release directory that marks it complete and says when it was deployed. */
export const RELEASE_MARKER = '.clamprovision-release';
/** What a release directory may be called (the rest under releases/ is ignored). */
export const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Output: `@@releases KEY b:LINES`: `current ID` (or `current -`), then a line per release
 * directory, `release ID DEPLOYED_AT` (no DEPLOYED_AT when it has no marker).
 */
const SHELL = String.raw`cp_releases() {
  cp_out=$(
    cp_cur=-
    if [ -L "$2/current" ]; then cp_cur=$(basename "$(readlink "$2/current")"); fi
    echo "current $cp_cur"
    for cp_r in "$2"/releases/*/; do
      [ -d "$cp_r" ] || continue
      cp_id=$(basename "$cp_r")
      cp_at=$(sed -n 's/^deployed_at=//p' "$cp_r${RELEASE_MARKER}" 2>/dev/null | head -n 1)
      echo "release $cp_id $cp_at"
    done
  )
  echo "@@releases $1 $(printf '%s' "$cp_out" | cp_b64)"
}`;

export function parseReleases(text: string): ReleasesFact {
  const fact: ReleasesFact = { current: null, releases: [] };
  for (const line of text.split('\n')) {
    const [what, id, at] = line.trim().split(/\s+/);
    if (what === 'current' && id !== undefined && id !== '-') fact.current = id;
    if (what === 'release' && id !== undefined && RELEASE_ID.test(id)) {
      fact.releases.push(at !== undefined && at !== '-' ? { id, deployedAt: at } : { id });
    }
  }
  return fact;
}

export const releasesKind: FactKind<'releases'> = {
  name: 'releases',
  shell: SHELL,
  key: (request) => request.home,
  command: (request) => [`cp_releases ${encodeKey(request.home)} ${shellQuote(request.home)}`],
  records: {
    releases(fields, facts) {
      facts.releases.set(decodeKey(fields[0]), parseReleases(decodeText(fields[1])));
    },
  },
  empty: () => ({ releases: new Map() }),
  missing: (request, facts) => (facts.releases.has(request.home) ? [] : [`releases of ${request.home}`]),
};
