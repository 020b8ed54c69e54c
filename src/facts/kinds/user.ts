import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

export interface UserRequest {
  name: string;
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

declare module '../host-facts.js' {
  interface FactRequestShapes {
    user: UserRequest;
  }
  interface HostFacts {
    /** user name -> its account */
    users: Map<string, UserFact>;
  }
}

/** A user account: its passwd entry, primary group and the other groups it is in (`@@account` records). */
const SHELL = `cp_account() {
  cp_pw=$(getent passwd -- "$2" 2>/dev/null)
  if [ -z "$cp_pw" ]; then echo "@@account $1 missing"; return; fi
  echo "@@account $1 $(printf '%s' "$cp_pw" | cp_b64) $(id -gn -- "$2" 2>/dev/null | cp_b64) $(id -Gn -- "$2" 2>/dev/null | cp_b64)"
}`;

export const userKind: FactKind<'user'> = {
  name: 'user',
  shell: SHELL,
  key: (request) => request.name,
  command: (request) => [`cp_account ${encodeKey(request.name)} ${shellQuote(request.name)}`],
  records: {
    account(fields, facts) {
      facts.users.set(decodeKey(fields[0]), parseAccountRecord(fields.slice(1)));
    },
  },
  empty: () => ({ users: new Map() }),
  missing: (request, facts) => (facts.users.has(request.name) ? [] : [`user ${request.name}`]),
};

function parseAccountRecord(fields: string[]): UserFact {
  if (fields[0] === 'missing') return { exists: false, groups: [] };
  const passwd = decodeText(fields[0]).trim().split(':');
  const primary = decodeText(fields[1]).trim();
  const all = decodeText(fields[2]).trim().split(/\s+/).filter(Boolean);
  const fact: UserFact = {
    exists: true,
    uid: Number(passwd[2]),
    gid: Number(passwd[3]),
    home: passwd[5] ?? '',
    shell: passwd[6] ?? '',
    groups: all.filter((group) => group !== primary),
  };
  if (primary) fact.group = primary;
  return fact;
}
