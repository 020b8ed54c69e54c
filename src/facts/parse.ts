import { FACTS_PROTOCOL_VERSION } from './script.js';
import type {
  FactRequest,
  FileFact,
  FileType,
  GroupFact,
  HostFacts,
  OsFact,
  PackageFact,
  ServiceFact,
  TreeEntry,
  TreeFact,
  UfwFact,
  UfwRule,
  UserFact,
  VenvFact,
} from './types.js';

/** The facts output could not be understood (a truncated run, a host without a POSIX userland…). */
export class FactsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactsError';
  }
}

export function emptyFacts(): HostFacts {
  return {
    os: { id: '', versionId: '', codename: '', prettyName: '', idLike: '' },
    init: 'other',
    user: '',
    files: new Map(),
    trees: new Map(),
    packages: new Map(),
    services: new Map(),
    venvs: new Map(),
    users: new Map(),
    groups: new Map(),
    probes: new Map(),
  };
}

function decodeKey(field: string | undefined): string {
  if (field === undefined) throw new FactsError('facts output: a record without its key');
  return Buffer.from(field, 'base64').toString('utf8');
}

/** `b:BASE64` -> bytes; `-` (missing) and `!` (unreadable) -> undefined */
function decodeBlob(field: string | undefined): Buffer | undefined {
  if (field === undefined || !field.startsWith('b:')) return undefined;
  return Buffer.from(field.slice(2), 'base64');
}

function decodeText(field: string | undefined): string {
  return decodeBlob(field)?.toString('utf8') ?? '';
}

/**
 * Parses the output of buildFactsScript(requests). Throws FactsError when it is not such output, or
 * (given the requests) when a requested fact is missing from it.
 */
export function parseFactsOutput(output: string, requests?: readonly FactRequest[]): HostFacts {
  const facts = emptyFacts();
  let sawHeader = false;
  let sawEnd = false;
  for (const line of output.split('\n')) {
    if (!line.startsWith('@@')) continue;
    const fields = line.slice(2).trimEnd().split(' ');
    const kind = fields[0];
    switch (kind) {
      case 'clamprovision-facts':
        if (fields[1] !== String(FACTS_PROTOCOL_VERSION)) {
          throw new FactsError(`facts output has protocol version ${fields[1] ?? '?'}, expected ${FACTS_PROTOCOL_VERSION}`);
        }
        sawHeader = true;
        break;
      case 'os':
        facts.os = parseOsRelease(decodeText(fields[1]));
        break;
      case 'init':
        facts.init = fields[1] === 'systemd' ? 'systemd' : 'other';
        break;
      case 'whoami':
        facts.user = decodeText(fields[1]).trim();
        break;
      case 'ssh': {
        // SSH_CONNECTION: client address, client port, server address, server port
        const [client, , , serverPort] = decodeText(fields[1]).trim().split(/\s+/);
        const port = Number(serverPort);
        if (Number.isInteger(port) && port > 0) facts.sshPort = port;
        if (client) facts.sshClientAddress = client;
        break;
      }
      case 'apt':
        if (fields[1] !== 'never' && fields[2]) {
          const now = Number(fields[1]);
          const mtime = Number(fields[2]);
          if (Number.isFinite(now) && Number.isFinite(mtime)) facts.aptListsAge = Math.max(0, now - mtime);
        }
        break;
      case 'file':
        facts.files.set(decodeKey(fields[1]), parseFileRecord(fields.slice(2)));
        break;
      case 'tree':
        facts.trees.set(decodeKey(fields[1]), parseTreeRecord(fields.slice(2)));
        break;
      case 'packages': {
        const asked = decodeKey(fields[1]).split(' ').filter(Boolean);
        for (const [name, fact] of parsePackages(decodeText(fields[2]), decodeText(fields[3]), asked)) facts.packages.set(name, fact);
        break;
      }
      case 'service':
        facts.services.set(decodeKey(fields[1]), parseServiceRecord(fields.slice(2)));
        break;
      case 'services': {
        const names = decodeKey(fields[1]).split('\n');
        const blocks = decodeText(fields[2]).split(/\n\s*\n/);
        names.forEach((name, i) => facts.services.set(name, parseSystemctlShow(blocks[i] ?? '')));
        break;
      }
      case 'ufw':
        facts.ufw = parseUfwRecord(fields.slice(1));
        break;
      case 'venv':
        facts.venvs.set(decodeKey(fields[1]), parseVenvRecord(fields.slice(2)));
        break;
      case 'account':
        facts.users.set(decodeKey(fields[1]), parseAccountRecord(fields.slice(2)));
        break;
      case 'group':
        facts.groups.set(decodeKey(fields[1]), parseGroupRecord(fields.slice(2)));
        break;
      case 'probe':
        facts.probes.set(decodeKey(fields[1]), Number(fields[2] ?? 255));
        break;
      case 'end':
        sawEnd = true;
        break;
      default:
        // an unknown record from a newer script: ignore
        break;
    }
  }
  if (!sawHeader) throw new FactsError('the facts command printed no facts (is /bin/sh a POSIX shell with coreutils?)');
  if (!sawEnd) throw new FactsError('the facts command stopped before its end (output truncated?)');
  if (requests) assertComplete(facts, requests);
  return facts;
}

function assertComplete(facts: HostFacts, requests: readonly FactRequest[]): void {
  const missing: string[] = [];
  for (const request of requests) {
    switch (request.kind) {
      case 'file':
        if (!facts.files.has(request.path)) missing.push(`file ${request.path}`);
        break;
      case 'tree':
        if (!facts.trees.has(request.path)) missing.push(`directory ${request.path}`);
        break;
      case 'packages':
        for (const name of request.names) if (!facts.packages.has(name)) missing.push(`package ${name}`);
        break;
      case 'service':
        if (!facts.services.has(request.name)) missing.push(`service ${request.name}`);
        break;
      case 'ufw':
        if (!facts.ufw) missing.push('ufw');
        break;
      case 'venv':
        if (!facts.venvs.has(request.path)) missing.push(`virtualenv ${request.path}`);
        break;
      case 'user':
        if (!facts.users.has(request.name)) missing.push(`user ${request.name}`);
        break;
      case 'group':
        if (!facts.groups.has(request.name)) missing.push(`group ${request.name}`);
        break;
      case 'probe':
        if (!facts.probes.has(request.command)) missing.push(`probe ${request.command}`);
        break;
    }
  }
  if (missing.length > 0) throw new FactsError(`the facts output lacks: ${missing.join(', ')}`);
}

export function parseOsRelease(text: string): OsFact {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    values.set(match[1]!, value);
  }
  return {
    id: values.get('ID') ?? '',
    versionId: values.get('VERSION_ID') ?? '',
    codename: values.get('VERSION_CODENAME') ?? values.get('UBUNTU_CODENAME') ?? '',
    prettyName: values.get('PRETTY_NAME') ?? values.get('NAME') ?? '',
    idLike: values.get('ID_LIKE') ?? '',
  };
}

function fileTypeFromRawMode(raw: number): FileType {
  switch (raw & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'link';
    default:
      return 'other';
  }
}

function parseFileRecord(fields: string[]): FileFact {
  if (fields[0] === 'missing') return { exists: false };
  if (fields[0] === 'error' || fields.length < 8) throw new FactsError(`facts output: cannot stat a file (${fields.join(' ')})`);
  const [rawHex, perm, owner, group, size, sum, link, data] = fields as [string, string, string, string, string, string, string, string];
  const fact: FileFact = {
    exists: true,
    type: fileTypeFromRawMode(parseInt(rawHex, 16)),
    mode: parseInt(perm, 8),
    owner,
    group,
    size: Number(size),
  };
  if (sum !== '-') fact.sha256 = sum;
  const linkTarget = decodeBlob(link);
  if (linkTarget) fact.linkTarget = linkTarget.toString('utf8');
  const content = decodeBlob(data);
  if (content) fact.content = content;
  return fact;
}

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

/**
 * dpkg-query lines "NAME\tSTATUS-ABBREV\tVERSION" and `apt-cache policy` blocks. Every requested
 * name that apt-cache did not list gets candidate null (apt does not know it).
 */
export function parsePackages(dpkg: string, policy: string, asked: readonly string[] = []): Map<string, PackageFact> {
  const facts = new Map<string, PackageFact>();
  for (const line of dpkg.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (!name || !status) continue;
    // db:Status-Abbrev: desired action, current state, error flag; "ii " is installed
    const state = status[1];
    const installed = state === 'i';
    const previous = facts.get(name);
    if (previous?.installed) continue; // multi-arch: one installed architecture is enough
    const fact: PackageFact = { installed };
    if (installed && version) fact.version = version;
    if (state === 'c') fact.configFiles = true;
    facts.set(name, fact);
  }
  const candidates = parseAptPolicy(policy);
  for (const [name, candidate] of candidates) {
    const fact = facts.get(name) ?? { installed: false };
    fact.candidate = candidate;
    facts.set(name, fact);
  }
  // apt-cache is asked about the packages that are not installed; one it does not list is unknown
  for (const name of asked) {
    const fact = facts.get(name);
    if (!fact) facts.set(name, { installed: false, candidate: null });
    else if (!fact.installed && fact.candidate === undefined) fact.candidate = null;
  }
  return facts;
}

/** `apt-cache policy A B` -> name -> candidate version (null for "(none)") */
export function parseAptPolicy(text: string): Map<string, string | null> {
  const result = new Map<string, string | null>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header) {
      current = header[1]!;
      result.set(current, null);
      continue;
    }
    const candidate = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (candidate && current !== undefined) {
      result.set(current, candidate[1] === '(none)' ? null : candidate[1]!);
    }
  }
  return result;
}

function parseServiceRecord(fields: string[]): ServiceFact {
  if (fields[0] === 'systemd') return parseSystemctlShow(decodeText(fields[1]));
  const exists = fields[1] === '1';
  const statusCode = Number(fields[2]);
  return {
    manager: 'initscript',
    exists,
    // LSB: status 0 = running, 3 = not running; anything else (unknown) counts as not running
    active: exists && statusCode === 0 ? 'active' : 'inactive',
    enabled: exists ? (fields[3] === '1' ? 'enabled' : 'disabled') : '',
  };
}

export function parseSystemctlShow(text: string): ServiceFact {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const load = props.get('LoadState') ?? 'not-found';
  const fact: ServiceFact = {
    manager: 'systemd',
    exists: load !== 'not-found' && load !== '',
    active: props.get('ActiveState') || 'inactive',
    enabled: props.get('UnitFileState') ?? '',
  };
  if (load === 'masked') fact.enabled = 'masked';
  const pid = Number(props.get('MainPID'));
  if (Number.isInteger(pid) && pid > 0) fact.mainPid = pid;
  if (props.get('NeedDaemonReload') === 'yes') fact.needsDaemonReload = true;
  return fact;
}

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

function parseVenvRecord(fields: string[]): VenvFact {
  if (fields[0] === 'missing') return { exists: false, packages: new Map(), markers: new Map() };
  const fact: VenvFact = { exists: true, packages: new Map(), markers: new Map() };
  const cfg = parseVenvConfig(decodeText(fields[0]));
  if (cfg) fact.python = cfg;
  for (const name of decodeText(fields[1]).split('\n')) {
    const dist = parseDistDirName(name.trim());
    if (dist) fact.packages.set(dist.name, dist.version);
  }
  for (const line of decodeText(fields[2]).split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    fact.markers.set(line.slice(0, space), Buffer.from(line.slice(space + 1), 'base64').toString('utf8'));
  }
  return fact;
}

/** pyvenv.cfg: "version = 3.11.2" (or version_info on newer Pythons) */
function parseVenvConfig(text: string): string | undefined {
  const match = /^\s*version(?:_info)?\s*=\s*([0-9][0-9A-Za-z.]*)/m.exec(text);
  return match?.[1];
}

/** PEP 503 normalized name: lowercase, runs of -_. as a single - */
export function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** "uWSGI-2.0.21.dist-info" / "clam-3.3.0-py3.11.egg-info" -> name and version */
export function parseDistDirName(dirName: string): { name: string; version: string } | undefined {
  const match = /^(.+?)-([^-]+?)(?:-py[0-9.]+)?\.(?:dist-info|egg-info)$/.exec(dirName);
  if (!match) return undefined;
  return { name: normalizeDistName(match[1]!), version: match[2]!.replace(/_/g, '-') };
}

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

function parseGroupRecord(fields: string[]): GroupFact {
  if (fields[0] === 'missing') return { exists: false };
  const parts = decodeText(fields[0]).trim().split(':');
  return { exists: true, gid: Number(parts[2]) };
}
