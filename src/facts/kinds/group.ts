import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

export interface GroupRequest {
  name: string;
}

export interface GroupFact {
  exists: boolean;
  gid?: number;
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    group: GroupRequest;
  }
  interface HostFacts {
    /** group name -> its entry */
    groups: Map<string, GroupFact>;
  }
}

const SHELL = `cp_group() {
  cp_gr=$(getent group -- "$2" 2>/dev/null)
  if [ -z "$cp_gr" ]; then echo "@@group $1 missing"; return; fi
  echo "@@group $1 $(printf '%s' "$cp_gr" | cp_b64)"
}`;

export const groupKind: FactKind<'group'> = {
  name: 'group',
  shell: SHELL,
  key: (request) => request.name,
  command: (request) => [`cp_group ${encodeKey(request.name)} ${shellQuote(request.name)}`],
  records: {
    group(fields, facts) {
      facts.groups.set(decodeKey(fields[0]), parseGroupRecord(fields.slice(1)));
    },
  },
  empty: () => ({ groups: new Map() }),
  missing: (request, facts) => (facts.groups.has(request.name) ? [] : [`group ${request.name}`]),
};

function parseGroupRecord(fields: string[]): GroupFact {
  if (fields[0] === 'missing') return { exists: false };
  const parts = decodeText(fields[0]).trim().split(':');
  return { exists: true, gid: Number(parts[2]) };
}
