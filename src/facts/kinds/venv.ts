import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

/** a virtualenv: bin/pip present, python version, installed distributions, marker files. */
export interface VenvRequest {
  path: string;
}

export interface VenvFact {
  /** bin/pip exists and is executable (a partial venv without pip counts as absent) */
  exists: boolean;
  python?: string; // e.g. "3.11.2"
  /** normalized distribution name (PEP 503: lowercase, runs of -_. as '-') -> version */
  packages: Map<string, string>;
  /** contents of small marker files clamprovision keeps in VENV/.clamprovision/ (name -> content) */
  markers: Map<string, string>;
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    venv: VenvRequest;
  }
  interface HostFacts {
    /** virtualenv path -> what it holds */
    venvs: Map<string, VenvFact>;
  }
}

// a cooked template literal: \${ and \\ below are the shell's ${ and \
const SHELL = `cp_venv() {
  if [ ! -x "$2/bin/pip" ]; then echo "@@venv $1 missing"; return; fi
  cp_dists=$(for cp_d in "$2"/lib/python3*/site-packages/*.dist-info "$2"/lib/python3*/site-packages/*.egg-info; do
      [ -e "$cp_d" ] && printf '%s\\n' "\${cp_d##*/}"; done | cp_b64)
  cp_marks=$(for cp_m in "$2"/.clamprovision/*; do
      [ -f "$cp_m" ] && printf '%s %s\\n' "\${cp_m##*/}" "$(base64 -w0 < "$cp_m")"; done | cp_b64)
  echo "@@venv $1 $(cp_cat "$2/pyvenv.cfg") $cp_dists $cp_marks"
}`;

export const venvKind: FactKind<'venv'> = {
  name: 'venv',
  shell: SHELL,
  key: (request) => request.path,
  command: (request) => [`cp_venv ${encodeKey(request.path)} ${shellQuote(request.path)}`],
  records: {
    venv(fields, facts) {
      facts.venvs.set(decodeKey(fields[0]), parseVenvRecord(fields.slice(1)));
    },
  },
  empty: () => ({ venvs: new Map() }),
  missing: (request, facts) => (facts.venvs.has(request.path) ? [] : [`virtualenv ${request.path}`]),
};

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
