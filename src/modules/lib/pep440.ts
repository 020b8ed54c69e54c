/**
 * Just enough of PEP 440 and PEP 508 to tell whether an installed distribution satisfies a
 * requirement like "clam", "uwsgi==2.0.21", "flask>=2,<4" or "clam~=3.3" without asking the index.
 */

export interface Requirement {
  /** as written */
  text: string;
  /** PEP 503 normalized */
  name: string;
  specifiers: { op: string; version: string }[];
  /** name @ url, or something this parser does not understand: satisfied by any installed version */
  opaque: boolean;
}

interface ParsedVersion {
  epoch: number;
  release: number[];
  /** [kind rank, number]: a=0, b=1, rc=2; absent = final */
  pre?: [number, number];
  post?: number;
  dev?: number;
  local: string;
}

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function parseVersion(text: string): ParsedVersion | undefined {
  const match =
    /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9.]+))?$/i.exec(
      text.trim(),
    );
  if (!match) return undefined;
  const version: ParsedVersion = {
    epoch: match[1] ? Number(match[1]) : 0,
    release: match[2]!.split('.').map(Number),
    local: match[9] ?? '',
  };
  if (match[3]) version.pre = [PRE_RANK[match[3].toLowerCase()]!, Number(match[4] || 0)];
  if (match[5] !== undefined) version.post = Number(match[5]);
  else if (match[6] !== undefined) version.post = Number(match[6] || 0);
  if (match[7] !== undefined) version.dev = Number(match[7] || 0);
  return version;
}

function compareRelease(a: number[], b: number[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** PEP 440 ordering: dev < pre < final < post; local labels are ignored. */
export function compareVersions(left: string, right: string): number {
  const a = parseVersion(left);
  const b = parseVersion(right);
  if (!a || !b) return left === right ? 0 : left < right ? -1 : 1;
  if (a.epoch !== b.epoch) return Math.sign(a.epoch - b.epoch);
  const release = compareRelease(a.release, b.release);
  if (release !== 0) return release;
  // a dev release without pre/post sorts before its pre-releases
  const preKey = (v: ParsedVersion): number[] =>
    v.pre ? [v.pre[0], v.pre[1]] : v.dev !== undefined && v.post === undefined ? [-1, 0] : [Infinity, 0];
  const [pa, pb] = [preKey(a), preKey(b)];
  if (pa[0] !== pb[0]) return Math.sign(pa[0]! - pb[0]!);
  if (pa[1] !== pb[1]) return Math.sign(pa[1]! - pb[1]!);
  const post = (a.post ?? -1) - (b.post ?? -1);
  if (post !== 0) return Math.sign(post);
  const dev = (a.dev ?? Infinity) - (b.dev ?? Infinity);
  return Number.isNaN(dev) ? 0 : Math.sign(dev);
}

export function parseRequirement(text: string): Requirement {
  const withoutMarker = text.split(';')[0]!.trim();
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/.exec(withoutMarker);
  if (!match) return { text, name: normalizeName(withoutMarker), specifiers: [], opaque: true };
  const name = normalizeName(match[1]!);
  const rest = match[3]!.trim();
  if (rest === '') return { text, name, specifiers: [], opaque: false };
  if (rest.startsWith('@')) return { text, name, specifiers: [], opaque: true };
  const specifiers: Requirement['specifiers'] = [];
  for (const part of rest.replace(/^\((.*)\)$/, '$1').split(',')) {
    const spec = /^\s*(===|==|!=|~=|>=|<=|>|<)\s*([^\s,]+)\s*$/.exec(part);
    if (!spec) return { text, name, specifiers: [], opaque: true };
    specifiers.push({ op: spec[1]!, version: spec[2]! });
  }
  return { text, name, specifiers, opaque: false };
}

function matchesWildcard(installed: string, pattern: string): boolean {
  const a = parseVersion(installed);
  const prefix = pattern.slice(0, -2).split('.').map(Number);
  if (!a) return false;
  return prefix.every((part, i) => (a.release[i] ?? 0) === part);
}

function satisfiesOne(installed: string, op: string, version: string): boolean {
  switch (op) {
    case '===':
      return installed === version;
    case '==':
      return version.endsWith('.*') ? matchesWildcard(installed, version) : compareVersions(installed, version) === 0;
    case '!=':
      return version.endsWith('.*') ? !matchesWildcard(installed, version) : compareVersions(installed, version) !== 0;
    case '>=':
      return compareVersions(installed, version) >= 0;
    case '<=':
      return compareVersions(installed, version) <= 0;
    case '>':
      return compareVersions(installed, version) > 0;
    case '<':
      return compareVersions(installed, version) < 0;
    case '~=': {
      // ~=2.2.1 means >=2.2.1, ==2.2.*
      const parsed = parseVersion(version);
      if (!parsed || parsed.release.length < 2) return false;
      const prefix = `${parsed.release.slice(0, -1).join('.')}.*`;
      return compareVersions(installed, version) >= 0 && matchesWildcard(installed, prefix);
    }
    default:
      return false;
  }
}

/** Whether the installed version (undefined = not installed) satisfies the requirement. */
export function isSatisfied(requirement: Requirement, installed: string | undefined): boolean {
  if (installed === undefined) return false;
  if (requirement.opaque) return true;
  return requirement.specifiers.every((spec) => satisfiesOne(installed, spec.op, spec.version));
}
