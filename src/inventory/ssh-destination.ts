import os from 'node:os';
import path from 'node:path';
import { InputError, type SourceLocation } from '../core/errors.js';
import { hostPatternsMatch } from '../core/host-patterns.js';
import { memoizedInRun } from '../input/run-memo.js';
import type { SshConfigLine, SshConfigSection } from './ssh-config-file.js';
import { refusedOption, type SshOption } from './ssh-options.js';
import type { SshEndpoint } from './types.js';

export interface Destination {
  /** what ssh is asked to connect to: ansible_host (or the inventory name), or a jump host's name */
  host: string;
  /** options that win over the config, first one per name counts (inventory variables, then ssh arguments) */
  given: SshOption[];
  /** the user when neither `given` nor the config names one */
  defaultUser: string;
}

export interface ResolvedEndpoint extends SshEndpoint {
  /** the jump hosts, first to last */
  jumps: SshEndpoint[];
}

/** Longest ProxyJump chain, counting the jump hosts' own ProxyJump. */
const MAX_JUMPS = 8;

/**
 * Where and how to connect, the way OpenSSH decides it: the given options first, then each option
 * from the first config line that applies to the host; ProxyJump hosts resolved the same way.
 * Options that cannot be carried out are errors at the line that sets them.
 */
export function resolveDestination(destination: Destination, config: readonly SshConfigLine[], baseDir: string, errors: InputError[], depth = 0): ResolvedEndpoint {
  const options = [...destination.given, ...applicableOptions(destination.host, destination.given, config, errors)];
  const first = (name: string) => options.find((option) => option.name === name);
  const tokens = { h: destination.host, u: localUser(), d: os.homedir() };
  const expand = (option: SshOption) => expandTokens(option, tokens, errors);

  const hostName = first('hostname');
  const address = hostName ? expand(hostName) : destination.host;
  const port = first('port');
  const endpoint: ResolvedEndpoint = {
    address,
    port: port ? portNumber(port, errors) : 22,
    user: first('user')?.value ?? destination.defaultUser,
    hostKeyChecking: strictness(first('stricthostkeychecking'), errors),
    jumps: [],
  };
  const identityFiles = options.filter((option) => option.name === 'identityfile').map((option) => path.resolve(baseDir, expandHome(expand(option))));
  if (identityFiles.length > 0) endpoint.identityFiles = identityFiles;
  const agent = first('identityagent');
  if (agent) endpoint.agentSocket = agent.value === 'SSH_AUTH_SOCK' || agent.value === 'none' ? agent.value : path.resolve(baseDir, expandHome(expand(agent)));
  const knownHosts = first('userknownhostsfile');
  if (knownHosts) {
    const file = knownHosts.value.split(/\s+/)[0]!;
    endpoint.knownHostsFile = file === '/dev/null' ? file : path.resolve(baseDir, expandHome(expand({ ...knownHosts, value: file })));
  }
  const proxyJump = first('proxyjump');
  if (proxyJump && proxyJump.value.toLowerCase() !== 'none') endpoint.jumps = jumpChain(proxyJump, config, baseDir, errors, depth);
  return endpoint;
}

/** The options of the config lines that apply to `host`, in file order (the first of each name counts). */
function applicableOptions(host: string, given: readonly SshOption[], config: readonly SshConfigLine[], errors: InputError[]): SshOption[] {
  const found: SshOption[] = [];
  const current = (name: string) => [...given, ...found].find((option) => option.name === name)?.value;
  const verdicts = new Map<SshConfigSection, boolean>();
  for (const line of config) {
    const section = line.section;
    if (section && !verdicts.has(section)) verdicts.set(section, sectionApplies(section, host, current, errors));
    if (section && !verdicts.get(section)) continue;
    const refused = refusedOption(line.option, line.spelled);
    if (refused) errors.push(new InputError(`${refused} (for host ${host})`, line.option.location));
    else found.push(line.option);
  }
  return found;
}

function sectionApplies(section: SshConfigSection, host: string, current: (name: string) => string | undefined, errors: InputError[]): boolean {
  if (section.kind === 'host') return hostPatternsMatch(section.patterns, host);
  return section.criteria.every(({ keyword, negated, patterns }) => {
    let matched: boolean;
    if (keyword === 'all') matched = true;
    else if (keyword === 'host') matched = hostPatternsMatch(patterns, current('hostname') ?? host);
    else if (keyword === 'originalhost') matched = hostPatternsMatch(patterns, host);
    else if (keyword === 'user') matched = hostPatternsMatch(patterns, current('user') ?? '');
    else if (keyword === 'localuser') matched = hostPatternsMatch(patterns, localUser());
    else {
      errors.push(new InputError(`ssh config: Match ${keyword} is not supported by clamprovision (it runs no command and resolves no name to decide)`, section.location));
      return false;
    }
    return matched !== negated;
  });
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated; the first hop's own ProxyJump comes before it. */
function jumpChain(option: SshOption, config: readonly SshConfigLine[], baseDir: string, errors: InputError[], depth: number): SshEndpoint[] {
  if (depth >= MAX_JUMPS) {
    errors.push(new InputError(`ProxyJump: more than ${MAX_JUMPS} jump hosts in a chain (a loop in the ssh config?)`, option.location));
    return [];
  }
  const chain: SshEndpoint[] = [];
  for (const [index, spec] of option.value.split(',').entries()) {
    const match = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s/]+)(?::(\d+))?\/?$/.exec(spec.trim());
    if (!match) {
      errors.push(new InputError(`ProxyJump: '${spec}' is not a jump host ([user@]host[:port])`, option.location));
      continue;
    }
    const given: SshOption[] = [];
    if (match[1]) given.push({ name: 'user', value: match[1], location: option.location });
    if (match[3]) given.push({ name: 'port', value: match[3], location: option.location });
    // OpenSSH connects to a later hop through the hops before it, whatever that hop's own ProxyJump says.
    if (index > 0) given.push({ name: 'proxyjump', value: 'none', location: option.location });
    const hop = resolveDestination({ host: match[2]!.replace(/^\[|\]$/g, ''), given, defaultUser: localUser() }, config, baseDir, errors, depth + 1);
    const { jumps, ...endpoint } = hop;
    chain.push(...jumps, endpoint);
  }
  return chain;
}

function portNumber(option: SshOption, errors: InputError[]): number {
  const port = /^\d+$/.test(option.value) ? Number(option.value) : NaN;
  if (port >= 1 && port <= 65535) return port;
  errors.push(new InputError(`ssh option Port must be a port number from 1 to 65535, not '${option.value}'`, option.location));
  return 22;
}

function strictness(option: SshOption | undefined, errors: InputError[]): boolean {
  if (!option) return true;
  const value = option.value.toLowerCase();
  if (['yes', 'accept-new'].includes(value)) return true;
  if (['no', 'off'].includes(value)) return false;
  errors.push(new InputError(`StrictHostKeyChecking must be yes, no or accept-new, not '${option.value}'`, option.location));
  return true;
}

function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}

/** `%h` (the host asked for), `%u` (local user), `%d` (home) and `%%`; any other token is an error naming it. */
function expandTokens(option: SshOption, tokens: Record<string, string>, errors: InputError[]): string {
  return option.value.replace(/%(.)/g, (whole, letter: string) => {
    if (letter === '%') return '%';
    const value = tokens[letter];
    if (value !== undefined) return value;
    errors.push(new InputError(`ssh option ${option.name}: the token ${whole} is not supported (only %h, %u, %d and %%)`, option.location as SourceLocation | undefined));
    return whole;
  });
}

/** The local user's name (a lookup in the password database), once per run: every host asks for it. */
function localUser(): string {
  return memoizedInRun('localUser', () => os.userInfo().username);
}
