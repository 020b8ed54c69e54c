import type { FactKind } from '../kind.js';
import { decodeText } from '../protocol.js';

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

declare module '../host-facts.js' {
  interface FactRequestShapes {
    /** the request is just { kind: 'ufw' } */
    ufw: Record<never, never>;
  }
  interface HostFacts {
    /** present when asked for */
    ufw?: UfwFact;
  }
}

/** The firewall's settings and rules, read from its files (no ufw command: it needs root and may be absent). */
export const ufwKind: FactKind<'ufw'> = {
  name: 'ufw',
  key: () => '',
  command: () => [
    `if [ -x /usr/sbin/ufw ]; then cp_ufw=1; else cp_ufw=0; fi`,
    `echo "@@ufw $cp_ufw $(cp_cat /etc/default/ufw) $(cp_cat /etc/ufw/ufw.conf) $(cp_cat /etc/ufw/user.rules) $(cp_cat /etc/ufw/user6.rules)"`,
  ],
  records: {
    ufw(fields, facts) {
      facts.ufw = parseUfwRecord(fields);
    },
  },
  empty: () => ({}),
  missing: (_request, facts) => (facts.ufw ? [] : ['ufw']),
};

function parseShellAssignments(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    values.set(match[1]!, match[2]!.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'));
  }
  return values;
}

const POLICY_WORDS: Record<string, string> = { ACCEPT: 'allow', DROP: 'deny', REJECT: 'reject' };

function parseUfwRecord(fields: string[]): UfwFact {
  const [installed, defaultsField, confField, rulesField, rules6Field] = fields;
  const defaults = parseShellAssignments(decodeText(defaultsField));
  const conf = parseShellAssignments(decodeText(confField));
  const policy = (name: string, fallback: string) => POLICY_WORDS[defaults.get(name) ?? ''] ?? fallback;
  // rule files that do not exist yet hold no rules; a present but unreadable one is unknown
  const readable = rulesField !== '!' && rules6Field !== '!' && defaultsField !== '!' && confField !== '!';
  return {
    installed: installed === '1',
    readable,
    enabled: (conf.get('ENABLED') ?? 'no').toLowerCase() === 'yes',
    ipv6: (defaults.get('IPV6') ?? 'yes').toLowerCase() === 'yes',
    defaults: {
      incoming: policy('DEFAULT_INPUT_POLICY', 'deny'),
      outgoing: policy('DEFAULT_OUTPUT_POLICY', 'allow'),
      routed: policy('DEFAULT_FORWARD_POLICY', 'deny'),
    },
    rules: [...parseUfwUserRules(decodeText(rulesField), false), ...parseUfwUserRules(decodeText(rules6Field), true)],
  };
}

/**
 * The `### tuple ###` comments ufw keeps in /etc/ufw/user.rules and user6.rules: the rule set even
 * while ufw is inactive (when `ufw status` shows nothing). Format (ufw's backend_iptables.py):
 * ACTION PROTO DPORT DST SPORT SRC [DAPP SAPP] DIRECTION[_IFACE] [comment=HEX]
 */
export function parseUfwUserRules(text: string, v6: boolean): UfwRule[] {
  const rules: UfwRule[] = [];
  for (const rawLine of text.split('\n')) {
    if (!rawLine.startsWith('### tuple ###')) continue;
    const tuple = rawLine.replace(/^### tuple ###\s*/, '').replace(/ comment=\S*$/, '').trim();
    const parts = tuple.split(/\s+/);
    if (parts.length !== 7 && parts.length !== 9) continue;
    let [action, proto, dport, dst, sport, src] = parts as [string, string, string, string, string, string];
    const directionField = parts[parts.length - 1]!;
    let unmanaged = false;
    if (action.includes(':')) {
      unmanaged = true; // route rules
      action = action.split(':')[1]!;
    }
    if (action.includes('_')) {
      unmanaged = true; // allow_log, deny_log-all
      action = action.split('_')[0]!;
    }
    if (parts.length === 9 && (parts[6] !== '-' || parts[7] !== '-')) unmanaged = true;
    if (directionField.includes('_') || sport !== 'any') unmanaged = true;
    const direction = directionField.split('_')[0] === 'out' ? 'out' : 'in';
    if (!['allow', 'deny', 'reject', 'limit'].includes(action)) continue;
    const rule: UfwRule = {
      action: action as UfwRule['action'],
      direction,
      proto: proto === 'tcp' || proto === 'udp' ? proto : 'any',
      from: normalizeAnyAddress(src),
      to: normalizeAnyAddress(dst),
      v6,
      tuple,
    };
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'any') unmanaged = true;
    if (dport !== 'any') rule.port = dport;
    if (unmanaged) rule.unmanaged = true;
    rules.push(rule);
  }
  return rules;
}

function normalizeAnyAddress(address: string): string {
  return address === '0.0.0.0/0' || address === '::/0' || address === 'any' ? 'any' : address;
}
