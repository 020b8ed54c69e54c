import { isIP } from 'node:net';
import { z } from 'zod';
import type { UfwFact, UfwRule } from '../facts/types.js';
import { PlanError, defineModule } from './types.js';
import { fail, script, shellQuote } from './lib/shell.js';

const policySchema = z.enum(['allow', 'deny', 'reject']);

const PORT = /^(?:\d{1,5}(?::\d{1,5})?)(?:,\d{1,5}(?::\d{1,5})?)*$/;

const ruleSchema = z
  .strictObject({
    rule: z.enum(['allow', 'deny', 'limit', 'reject']),
    /** "80", "8000:8100", "80,443", or with the protocol: "8443/tcp" */
    port: z.union([z.string(), z.number().int()]).optional(),
    proto: z.enum(['tcp', 'udp', 'any']).optional(),
    /** "any", an address or a network (CIDR) */
    from: z.string().default('any'),
  })
  .transform((rule, ctx) => {
    let port = rule.port === undefined ? undefined : String(rule.port).trim();
    let proto = rule.proto;
    if (port?.includes('/')) {
      const [bare, suffix] = port.split('/') as [string, string];
      if (suffix !== 'tcp' && suffix !== 'udp') {
        ctx.addIssue({ code: 'custom', message: `"${port}": the protocol after / must be tcp or udp`, path: ['port'] });
        return z.NEVER;
      }
      if (proto !== undefined && proto !== suffix) {
        ctx.addIssue({ code: 'custom', message: `"${port}" says ${suffix} but proto says ${proto}`, path: ['proto'] });
        return z.NEVER;
      }
      port = bare;
      proto = suffix;
    }
    if (port !== undefined) {
      if (!PORT.test(port) || port.split(/[,:]/).some((p) => Number(p) < 1 || Number(p) > 65535)) {
        ctx.addIssue({ code: 'custom', message: `"${port}" is not a port, a range (8000:8100) or a list (80,443)`, path: ['port'] });
        return z.NEVER;
      }
      if (/[,:]/.test(port) && (proto ?? 'any') === 'any') {
        ctx.addIssue({ code: 'custom', message: `a port range or list needs proto tcp or udp ("${port}/tcp")`, path: ['proto'] });
        return z.NEVER;
      }
      // ufw keeps lists sorted
      port = port.split(',').sort((a, b) => Number(a.split(':')[0]) - Number(b.split(':')[0])).join(',');
    }
    const from = normalizeAddress(rule.from.trim());
    if (from === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${rule.from}" is not "any", an IP address or a network`, path: ['from'] });
      return z.NEVER;
    }
    return { rule: rule.rule, proto: proto ?? 'any', from, ...(port !== undefined ? { port } : {}) } as WantedRule;
  });

const schema = z.strictObject({
  state: z.enum(['enabled', 'disabled']).optional(),
  default_incoming: policySchema.optional(),
  default_outgoing: policySchema.optional(),
  rules: z.array(ruleSchema).default([]),
  /** delete the rules on the host that are not listed (never the one that lets SSH in) */
  purge: z.boolean().default(false),
});

export interface WantedRule {
  rule: UfwRule['action'];
  port?: string;
  proto: 'tcp' | 'udp' | 'any';
  from: string;
}

export type UfwArgs = z.output<typeof schema>;

/** ufw's form of an address: no host mask, the network address of a CIDR. undefined = invalid. */
export function normalizeAddress(address: string): string | undefined {
  if (address === 'any' || address === '0.0.0.0/0' || address === '::/0') return 'any';
  const [host, bits, extra] = address.split('/');
  if (extra !== undefined || !host) return undefined;
  const version = isIP(host);
  if (version === 0) return undefined;
  if (bits === undefined) return version === 4 ? host : host.toLowerCase();
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix > (version === 4 ? 32 : 128)) return undefined;
  if (version === 6) return prefix === 128 ? host.toLowerCase() : `${host.toLowerCase()}/${prefix}`;
  if (prefix === 32) return host;
  const value = host.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const network = prefix === 0 ? 0 : Math.floor(value / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

function addressFamily(address: string): 'any' | 4 | 6 {
  if (address === 'any') return 'any';
  return isIP(address.split('/')[0]!) === 6 ? 6 : 4;
}

function describeRule(rule: { rule?: string; action?: string; port?: string; proto: string; from: string }): string {
  const what = rule.port ? `${rule.port}${rule.proto === 'any' ? '' : `/${rule.proto}`}` : rule.proto === 'any' ? 'all ports' : `all ${rule.proto}`;
  return `${rule.rule ?? rule.action} ${what}${rule.from === 'any' ? '' : ` from ${rule.from}`}`;
}

function ufwRuleWords(action: string, rule: { port?: string; proto: string; from: string; to?: string; direction?: string }): string {
  const words = [action, rule.direction ?? 'in'];
  if (rule.proto !== 'any') words.push('proto', rule.proto);
  words.push('from', rule.from, 'to', rule.to ?? 'any');
  if (rule.port) words.push('port', rule.port);
  return words.map(shellQuote).join(' ');
}

function matches(wanted: WantedRule, host: UfwRule): boolean {
  return (
    !host.unmanaged &&
    host.action === wanted.rule &&
    host.direction === 'in' &&
    host.proto === wanted.proto &&
    host.port === wanted.port &&
    host.from === wanted.from &&
    host.to === 'any'
  );
}

/** The host holds the rule for every address family ufw would add it for. */
function isPresent(wanted: WantedRule, facts: UfwFact): boolean {
  const family = addressFamily(wanted.from);
  const needV4 = family !== 6;
  const needV6 = facts.ipv6 && family !== 4;
  const present = (v6: boolean) => facts.rules.some((host) => host.v6 === v6 && matches(wanted, host));
  return (!needV4 || present(false)) && (!needV6 || present(true));
}

function portCovers(port: string | undefined, wanted: number): boolean {
  if (port === undefined) return true;
  return port.split(',').some((part) => {
    const [low, high] = part.split(':').map(Number) as [number, number | undefined];
    return high === undefined ? low === wanted : low <= wanted && wanted <= high;
  });
}

/** Whether an IPv4 address lies in a source: "any", an address, or a network. */
function sourceContains(source: string, address: string | undefined): boolean {
  if (source === 'any') return true;
  if (!address || isIP(address) !== 4) return false;
  const [network, bits] = source.split('/');
  if (isIP(network ?? '') !== 4) return false;
  if (bits === undefined) return network === address;
  return normalizeAddress(`${address}/${bits}`) === source;
}

interface SshView {
  port: number;
  /** the controller's address as the host sees it: a rule from its network lets SSH in too */
  client?: string;
}

/** A rule that lets the SSH connection in use in (from anywhere, or from the controller's network). */
function letsSshIn(rule: { action?: string; rule?: string; direction?: string; proto: string; from: string; to?: string; port?: string; v6?: boolean }, ssh: SshView): boolean {
  const action = rule.rule ?? rule.action;
  return (
    (action === 'allow' || action === 'limit') &&
    (rule.direction ?? 'in') === 'in' &&
    rule.proto !== 'udp' &&
    sourceContains(rule.from, ssh.client) &&
    (rule.to ?? 'any') === 'any' &&
    !rule.v6 &&
    portCovers(rule.port, ssh.port)
  );
}

/**
 * A rule that a new SSH connection from the controller hits, whatever its action: ufw takes the
 * first match. A deny or reject from a network is taken to hit it when the controller's address is unknown.
 */
function catchesSsh(rule: { action?: string; rule?: string; direction?: string; proto: string; from: string; to?: string; port?: string; v6?: boolean }, ssh: SshView): boolean {
  if (letsSshIn(rule, ssh)) return true;
  const action = rule.rule ?? rule.action;
  return (
    action !== 'allow' &&
    action !== 'limit' &&
    (rule.direction ?? 'in') === 'in' &&
    rule.proto !== 'udp' &&
    (sourceContains(rule.from, ssh.client) || ssh.client === undefined) &&
    (rule.to ?? 'any') === 'any' &&
    !rule.v6 &&
    portCovers(rule.port, ssh.port)
  );
}

/** ufw's state right after installing the package: what a host without ufw will have. */
const FRESH_UFW: UfwFact = {
  installed: false,
  readable: true,
  enabled: false,
  ipv6: true,
  defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' },
  rules: [],
};

export const ufw = defineModule({
  name: 'ufw',
  schema,
  facts: () => [{ kind: 'ufw' }],
  plan(args, facts) {
    const current = facts.ufw?.installed ? facts.ufw : { ...FRESH_UFW, ...(facts.ufw?.readable === false ? { readable: false } : {}) };
    if (!current.readable) throw new PlanError("cannot read ufw's rules and settings: connect as root or set ansible_become");
    const sshPort = facts.sshPort ?? 22;
    const ssh: SshView = { port: sshPort, ...(facts.sshClientAddress ? { client: facts.sshClientAddress } : {}) };
    const summary: string[] = [];
    const deletes: string[] = [];
    const adds: string[] = [];
    const settings: string[] = [];
    const note = current.installed ? '' : ' (ufw is not installed yet)';

    const finalIncoming = args.default_incoming ?? current.defaults.incoming;
    const willBeEnabled = args.state ? args.state === 'enabled' : current.enabled;

    if (args.purge) {
      const seen = new Set<string>();
      for (const host of current.rules) {
        if (host.unmanaged || letsSshIn({ ...host, v6: false }, ssh)) continue;
        if (args.rules.some((wanted) => matches(wanted, host))) continue;
        const words = ufwRuleWords(host.action, host);
        if (seen.has(words)) continue; // the IPv4 and IPv6 halves of one rule go with one delete
        seen.add(words);
        summary.push(`delete rule ${describeRule(host)}${host.to === 'any' ? '' : ` to ${host.to}`}${host.direction === 'out' ? ' (outgoing)' : ''}`);
        deletes.push(`ufw delete ${words} >/dev/null`);
      }
    }

    const wanted = [...args.rules];
    let inserted: WantedRule | undefined;
    if (willBeEnabled && finalIncoming !== 'allow') {
      const keptHostRules = current.rules.filter(
        (host) => !host.unmanaged && (!args.purge || letsSshIn({ ...host, v6: false }, ssh) || args.rules.some((rule) => matches(rule, host))),
      );
      // New rules go after the host's, and the first rule a connection hits decides.
      const first = keptHostRules.find((host) => catchesSsh(host, ssh)) ?? wanted.find((rule) => !isPresent(rule, current) && catchesSsh(rule, ssh));
      const sshAllowed = first !== undefined && letsSshIn(first, ssh);
      const sshRule: WantedRule = { rule: 'allow', port: String(sshPort), proto: 'tcp', from: 'any' };
      if (!sshAllowed && first !== undefined && 'action' in first) {
        // A rule kept on the host would drop SSH: the allow goes before it (moved there if it is further down).
        const blocker = describeRule(first);
        if (isPresent(sshRule, current)) deletes.push(`ufw delete ${ufwRuleWords('allow', sshRule)} >/dev/null`);
        summary.push(`insert rule ${describeRule(sshRule)} first (the SSH port in use; the host's rule ${blocker} comes before it)${note}`);
        adds.push(`ufw insert 1 ${ufwRuleWords('allow', sshRule)} >/dev/null`);
        inserted = sshRule;
      } else if (!sshAllowed) {
        wanted.unshift(sshRule);
      }
    }
    for (const rule of wanted) {
      if (isPresent(rule, current) || (inserted && describeRule(rule) === describeRule(inserted))) continue;
      const isSsh = rule === wanted[0] && !args.rules.includes(rule);
      summary.push(`add rule ${describeRule(rule)}${isSsh ? ' (the SSH port in use)' : ''}${note}`);
      adds.push(`ufw ${ufwRuleWords(rule.rule, rule)} >/dev/null`);
    }

    for (const [direction, want] of [
      ['incoming', args.default_incoming],
      ['outgoing', args.default_outgoing],
    ] as const) {
      const have = current.defaults[direction];
      if (want === undefined || want === have) continue;
      summary.push(`default ${direction} ${have} -> ${want}`);
      settings.push(`ufw default ${want} ${direction} >/dev/null`);
    }
    if (args.state === 'enabled' && !current.enabled) {
      summary.push('enable ufw');
      settings.push('ufw --force enable >/dev/null');
    } else if (args.state === 'disabled' && current.enabled) {
      summary.push('disable ufw');
      settings.push('ufw disable >/dev/null');
    }

    if (summary.length === 0) return null;
    return {
      summary,
      // rules before defaults and enable: SSH is allowed before anything can drop it
      script: script(`[ -x /usr/sbin/ufw ] || ${fail('ufw is not installed')}`, ...deletes, ...adds, ...settings),
    };
  },
});
