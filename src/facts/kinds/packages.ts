import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

/** dpkg state; for packages not installed also whether apt knows a candidate. */
export interface PackagesRequest {
  names: string[];
}

export interface PackageFact {
  installed: boolean;
  version?: string;
  /** apt's candidate version; null when apt does not know the package; undefined when not asked */
  candidate?: string | null;
  /** removed, but its configuration files are still on the host (dpkg state "rc") */
  configFiles?: boolean;
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    packages: PackagesRequest;
  }
  interface HostFacts {
    /** package name -> its state */
    packages: Map<string, PackageFact>;
  }
}

const unionOfNames = (requests: readonly { names: readonly string[] }[]) => [...new Set(requests.flatMap((request) => request.names))].sort();

/** All package names go into one request: one dpkg-query (and at most one apt-cache) for the whole run. */
export const packagesKind: FactKind<'packages'> = {
  name: 'packages',
  key: () => '',
  combine: (kept, request) => ({ kind: 'packages', names: unionOfNames(kept ? [kept, request] : [request]) }),
  asksNothing: (request) => request.names.length === 0,
  batched: true,
  command(requests) {
    const asked = unionOfNames(requests);
    const names = asked.map(shellQuote).join(' ');
    // a cooked template literal: \${ and \\ below are the shell's ${ and \; \n and \t are a newline and a tab
    return [
      `cp_dpkg=$(dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' -- ${names} 2>/dev/null)`,
      // apt-cache only for what is not installed (it is the slow part). It never writes: apt's own
      // binary cache is read (pkgCacheFile::Generate=false) when it is newer than dpkg's status, the
      // lists and /etc/apt, as apt-get leaves it; else, with empty pkgcache names, apt-cache builds
      // its cache in memory (half a second of CPU on a host with lists)
      `cp_need=''`,
      `for cp_n in ${names}; do`,
      // a `case` on the dpkg-query output, not a grep per package (no-op runs are timed)
      `  case "\n$cp_dpkg" in *"\n$cp_n\t"?i*) ;; *) cp_need="$cp_need $cp_n" ;; esac`,
      `done`,
      `cp_policy=-`,
      `if [ -n "$cp_need" ]; then`,
      `  if [ -f /var/cache/apt/pkgcache.bin ] && [ -z "$(find /var/lib/dpkg/status /var/lib/apt/lists /etc/apt -newer /var/cache/apt/pkgcache.bin -print -quit 2>/dev/null)" ] &&`,
      `    cp_out=$(apt-cache -o pkgCacheFile::Generate=false -o Dir::Cache::srcpkgcache= policy -- $cp_need 2>/dev/null); then :`,
      `  else cp_out=$(apt-cache -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= policy -- $cp_need 2>/dev/null); fi`,
      `  cp_policy=$(printf '%s' "$cp_out" | cp_b64)`,
      `fi`,
      `echo "@@packages ${encodeKey(asked.join(' '))} $(printf '%s' "$cp_dpkg" | cp_b64) $cp_policy"`,
    ];
  },
  records: {
    packages(fields, facts) {
      const asked = decodeKey(fields[0]).split(' ').filter(Boolean);
      for (const [name, fact] of parsePackages(decodeText(fields[1]), decodeText(fields[2]), asked)) facts.packages.set(name, fact);
    },
  },
  empty: () => ({ packages: new Map() }),
  missing: (request, facts) => request.names.filter((name) => !facts.packages.has(name)).map((name) => `package ${name}`),
};

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

