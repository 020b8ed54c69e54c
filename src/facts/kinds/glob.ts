import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

/** the entries matching a shell glob, with the file facts (contents included) of each and of a link's target */
export interface GlobRequest {
  pattern: string;
}

export interface GlobMatch {
  path: string;
  /** where a symbolic link leads (readlink -f); its file fact is gathered too */
  realPath?: string;
}

export interface GlobFact {
  matches: GlobMatch[];
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    glob: GlobRequest;
  }
  interface HostFacts {
    /** pattern -> what matched it */
    globs: Map<string, GlobFact>;
  }
}

/**
 * The entries matching a shell glob (e.g. /etc/nginx/sites-enabled/*), each with its file fact and,
 * for a symbolic link, the file fact of its target: contents included, for modules that read
 * configuration files whose names nobody knows in advance.
 *
 * Output: `@@file` records, then `@@glob KEY b:LINES`, a line per entry: PATH TAB REALPATH (`-` when
 * not a link). The pattern is expanded unquoted, so only plain path characters and `*` are allowed.
 */
const GLOB_PATTERN = /^\/[A-Za-z0-9/._*-]+$/;

const SHELL = String.raw`cp_glob() {
  cp_matches=$(for cp_g in $2; do
    { [ -e "$cp_g" ] || [ -L "$cp_g" ]; } || continue
    cp_real=-
    [ ! -L "$cp_g" ] || cp_real=$(readlink -f -- "$cp_g")
    printf '%s\t%s\n' "$cp_g" "$cp_real"
  done)
  printf '%s\n' "$cp_matches" | while IFS='	' read -r cp_g cp_real; do
    [ -n "$cp_g" ] || continue
    cp_file "$(printf '%s' "$cp_g" | base64 -w0)" "$cp_g" 1
    [ "$cp_real" = - ] || [ -z "$cp_real" ] || cp_file "$(printf '%s' "$cp_real" | base64 -w0)" "$cp_real" 1
  done
  echo "@@glob $1 $(printf '%s' "$cp_matches" | cp_b64)"
}`;


export const globKind: FactKind<'glob'> = {
  name: 'glob',
  shell: SHELL,
  key: (request) => request.pattern,
  command(request) {
    if (!GLOB_PATTERN.test(request.pattern)) throw new Error(`a glob fact's pattern may hold only path characters and *: ${request.pattern}`);
    // quoted here, expanded inside cp_glob
    return [`cp_glob ${encodeKey(request.pattern)} ${shellQuote(request.pattern)}`];
  },
  records: {
    glob(fields, facts) {
      const matches = decodeText(fields[1])
        .split('\n')
        .filter(Boolean)
        .map((line): GlobMatch => {
          const [path, real] = line.split('\t') as [string, string | undefined];
          return real && real !== '-' ? { path, realPath: real } : { path };
        });
      facts.globs.set(decodeKey(fields[0]), { matches });
    },
  },
  empty: () => ({ globs: new Map() }),
  missing: (request, facts) => (facts.globs.has(request.pattern) ? [] : [`glob ${request.pattern}`]),
};
