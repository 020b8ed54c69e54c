/**
 * Installing Debian packages with apt-get, for every module that does (apt; pip for the packages a
 * build needs): package names, what to install and whether the lists are updated first (from the
 * facts), and the commands.
 */
import { z } from 'zod';
import { factsSnapshot } from '../../facts/snapshot.js';
import type { HostFacts } from '../../facts/types.js';
import { needFact } from './facts.js';
import { shellQuote } from './shell.js';

/** A Debian package name, optionally with :arch or =version (policy 5.6.1). */
export const packageNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+)?$/, 'not a Debian package name');

/** `name=version` installs that version; the fact is about the package name. */
export function packageOf(spec: string): string {
  return spec.split('=')[0]!;
}

/** apt and dpkg without questions, without restarting services behind our back (needrestart) */
export const APT_ENVIRONMENT = 'export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a APT_LISTCHANGES_FRONTEND=none';

/** seconds apt-get waits for the dpkg lock (unattended-upgrades after boot) */
export const DEFAULT_LOCK_TIMEOUT = 300;

/** seconds after which the apt lists count as stale */
export const DEFAULT_CACHE_VALID_TIME = 3600;

export function aptGet(lockTimeout: number, words: string): string {
  return `apt-get -q -y -o DPkg::Lock::Timeout=${lockTimeout} -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${words}`;
}

export function aptInstall(specs: string[], options: { lockTimeout: number; installRecommends: boolean }): string {
  return aptGet(options.lockTimeout, `install ${options.installRecommends ? '' : '--no-install-recommends '}-- ${specs.map(shellQuote).join(' ')}`);
}

/**
 * apt-get update, then the stamp Debian does not always touch, which the facts read as the lists' age.
 * DPkg::Lock::Timeout covers the dpkg locks but not /var/lib/apt/lists/lock, which `apt-get update`
 * fails on at once while another apt (apt-daily, an admin) updates: retry until lockTimeout.
 */
export function aptUpdateCommands(lockTimeout: number): string[] {
  return [
    'cp_apt_update() {',
    `  apt-get -q -o DPkg::Lock::Timeout=${lockTimeout} update`,
    '}',
    `cp_deadline=$(( $(date +%s) + ${lockTimeout} ))`,
    'until cp_out=$(cp_apt_update 2>&1); do',
    '  case $cp_out in',
    `    *'Could not get lock'*) [ "$(date +%s)" -lt "$cp_deadline" ] || { printf '%s\\n' "$cp_out" 'apt-get update: the apt lists stayed locked by another process for ${lockTimeout} s' >&2; exit 1; }; sleep 2 ;;`,
    `    *) printf '%s\\n' "$cp_out" >&2; exit 1 ;;`,
    '  esac',
    'done',
    `printf '%s\\n' "$cp_out"`,
    'mkdir -p /var/lib/apt/periodic',
    'touch /var/lib/apt/periodic/update-success-stamp',
  ];
}

function describeAge(seconds: number | undefined): string {
  if (seconds === undefined) return 'never updated';
  if (seconds < 120) return `updated ${seconds} s ago`;
  if (seconds < 7200) return `updated ${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `updated ${Math.round(seconds / 3600)} h ago`;
  return `updated ${Math.round(seconds / 86400)} days ago`;
}

/**
 * The reads of hosts on which a task already plans `apt-get update`. plan sees the facts read before
 * anything changed in every task, while apply reads them again after that task ran and finds the
 * lists fresh: the later tasks of the run rely on that update, so that plan shows it once.
 */
const updatePlannedOn = new WeakSet<object>();

/** A change planned on these facts updates the apt lists: the later tasks planned on them need not. */
export function noteUpdatePlanned(facts: HostFacts): void {
  updatePlannedOn.add(factsSnapshot(facts));
}

/** What installing packages takes on a host. */
export interface PackageInstallPlan {
  /** the packages (as asked: name, name:arch, name=version) not installed on the host */
  missing: string[];
  /** why the apt lists are updated first ("updated 3 days ago"); absent: they are not */
  update?: string;
}

/**
 * The packages of specs that are not installed, and whether the lists are updated before they are:
 * when they are stale or apt does not know one of them, unless an earlier task already plans the
 * update on these facts. updateCache as apt's update_cache: true updates stale lists even with
 * nothing to install, false never updates.
 */
export function planPackageInstall(facts: HostFacts, specs: string[], options: { cacheValidTime: number; updateCache?: boolean }): PackageInstallPlan {
  const missing = specs.filter((spec) => !needFact(facts.packages, packageOf(spec), 'package').installed);
  if (options.updateCache === false || updatePlannedOn.has(factsSnapshot(facts))) return { missing };
  const stale = facts.aptListsAge === undefined || facts.aptListsAge > options.cacheValidTime;
  const unknown = missing.filter((spec) => facts.packages.get(packageOf(spec))?.candidate === null);
  if (options.updateCache === true && stale) return { missing, update: describeAge(facts.aptListsAge) };
  if (missing.length === 0) return { missing };
  if (unknown.length > 0) return { missing, update: `apt does not know ${unknown.map(packageOf).join(', ')}` };
  return stale ? { missing, update: describeAge(facts.aptListsAge) } : { missing };
}

/**
 * sh: installs what the plan found missing (--no-install-recommends), the apt lists updated first
 * when it says so. For a script that may run after another one installed them (the second wheel
 * built on a host): only what is still not installed then is installed, and nothing is updated
 * when nothing is.
 */
export function installMissingPackages(plan: PackageInstallPlan, lockTimeout: number): string[] {
  if (plan.missing.length === 0) return [];
  return [
    "cp_missing=''",
    `for cp_p in ${plan.missing.map(shellQuote).join(' ')}; do`,
    // db:Status-Abbrev "ii ": installed; "rc " (configuration files only) or no output: not
    `  case "$(dpkg-query -W -f='\${db:Status-Abbrev}' -- "\${cp_p%%=*}" 2>/dev/null)" in ?i*) ;; *) cp_missing="$cp_missing $cp_p" ;; esac`,
    'done',
    'if [ -n "$cp_missing" ]; then',
    `  ${APT_ENVIRONMENT}`,
    ...(plan.update ? aptUpdateCommands(lockTimeout).map((line) => `  ${line}`) : []),
    // package names only (the schema): split into words unquoted
    `  ${aptGet(lockTimeout, 'install --no-install-recommends -- $cp_missing')} >&2`,
    'fi',
  ];
}
