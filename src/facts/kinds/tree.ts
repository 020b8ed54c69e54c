import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeBlob, decodeKey, encodeKey } from '../protocol.js';
import type { FileType } from './file.js';

/** recursive listing of a directory with type/mode/owner/group and sha256 of each regular file. */
export interface TreeRequest {
  path: string;
}

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

declare module '../host-facts.js' {
  interface FactRequestShapes {
    tree: TreeRequest;
  }
  interface HostFacts {
    /** directory path -> its tree */
    trees: Map<string, TreeFact>;
  }
}

// a cooked template literal: \\ below is the shell's \
const SHELL = `cp_tree() {
  if [ ! -d "$2" ]; then echo "@@tree $1 missing"; return; fi
  cp_list=$(cd "$2" && find . -mindepth 1 -printf '%y %m %u %g %P\\0%l\\0' 2>/dev/null | cp_b64)
  cp_sums=$(cd "$2" && find . -mindepth 1 -type f -print0 2>/dev/null | xargs -0 -r sha256sum -z 2>/dev/null | cp_b64)
  echo "@@tree $1 $cp_list $cp_sums"
}`;

export const treeKind: FactKind<'tree'> = {
  name: 'tree',
  shell: SHELL,
  key: (request) => request.path,
  command: (request) => [`cp_tree ${encodeKey(request.path)} ${shellQuote(request.path)}`],
  records: {
    tree(fields, facts) {
      facts.trees.set(decodeKey(fields[0]), parseTreeRecord(fields.slice(1)));
    },
  },
  empty: () => ({ trees: new Map() }),
  missing: (request, facts) => (facts.trees.has(request.path) ? [] : [`directory ${request.path}`]),
};

const TREE_TYPES: Record<string, FileType> = { f: 'file', d: 'directory', l: 'link' };

function parseTreeRecord(fields: string[]): TreeFact {
  if (fields[0] === 'missing') return { exists: false, entries: new Map() };
  const entries = new Map<string, TreeEntry>();
  const listing = decodeBlob(fields[0])?.toString('utf8').split('\0') ?? [];
  // pairs: "TYPE MODE OWNER GROUP PATH", "LINKTARGET"
  for (let i = 0; i + 1 < listing.length; i += 2) {
    const head = listing[i]!;
    const match = /^(\S) ([0-7]+) (\S+) (\S+) (.*)$/s.exec(head);
    if (!match) continue;
    const entry: TreeEntry = {
      type: TREE_TYPES[match[1]!] ?? 'other',
      mode: parseInt(match[2]!, 8),
      owner: match[3]!,
      group: match[4]!,
    };
    if (entry.type === 'link') entry.linkTarget = listing[i + 1]!;
    entries.set(match[5]!, entry);
  }
  const sums = decodeBlob(fields[1])?.toString('utf8').split('\0') ?? [];
  for (const line of sums) {
    const match = /^([0-9a-f]{64}) [ *]\.\/(.*)$/s.exec(line);
    if (!match) continue;
    const entry = entries.get(match[2]!);
    if (entry) entry.sha256 = match[1]!;
  }
  return { exists: true, entries };
}
