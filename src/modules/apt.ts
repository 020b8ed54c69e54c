import { z } from 'zod';
import type { HostFacts } from '../facts/types.js';
import { defineModule } from './types.js';
import { needFact } from './lib/facts.js';
import { script, shellQuote } from './lib/shell.js';

/** A Debian package name, optionally with :arch or =version (policy 5.6.1). */
const packageNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+)?$/, 'not a Debian package name');

const schema = z.strictObject({
  name: z.union([packageNameSchema, z.array(packageNameSchema)]).transform((v) => (Array.isArray(v) ? v : [v])).default([]),
  state: z.enum(['present', 'absent']).default('present'),
  /** true: update the lists whenever they are stale, even with nothing to install; false: never */
  update_cache: z.boolean().optional(),
  /** seconds after which the apt lists count as stale */
  cache_valid_time: z.number().int().nonnegative().default(3600),
  install_recommends: z.boolean().default(true),
  /** seconds apt-get waits for the dpkg lock (unattended-upgrades after boot) */
  lock_timeout: z.number().int().nonnegative().default(300),
});

export type AptArgs = z.output<typeof schema>;

/** `name=version` installs that version; the fact is about the package name. */
function packageOf(spec: string): string {
  return spec.split('=')[0]!;
}

function describeAge(seconds: number | undefined): string {
  if (seconds === undefined) return 'never updated';
  if (seconds < 120) return `updated ${seconds} s ago`;
  if (seconds < 7200) return `updated ${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `updated ${Math.round(seconds / 3600)} h ago`;
  return `updated ${Math.round(seconds / 86400)} days ago`;
}

function aptGet(args: AptArgs, words: string): string {
  return `apt-get -q -y -o DPkg::Lock::Timeout=${args.lock_timeout} -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${words}`;
}

/**
 * apt-get update, then the stamp Debian does not always touch, which the facts read as the lists' age.
 * DPkg::Lock::Timeout covers the dpkg locks but not /var/lib/apt/lists/lock, which `apt-get update`
 * fails on at once while another apt (apt-daily, an admin) updates: retry until lock_timeout.
 */
function updateCommands(args: AptArgs): string[] {
  return [
    'cp_apt_update() {',
    `  apt-get -q -o DPkg::Lock::Timeout=${args.lock_timeout} update`,
    '}',
    `cp_deadline=$(( $(date +%s) + ${args.lock_timeout} ))`,
    'until cp_out=$(cp_apt_update 2>&1); do',
    '  case $cp_out in',
    `    *'Could not get lock'*) [ "$(date +%s)" -lt "$cp_deadline" ] || { printf '%s\\n' "$cp_out" 'apt-get update: the apt lists stayed locked by another process for ${args.lock_timeout} s' >&2; exit 1; }; sleep 2 ;;`,
    `    *) printf '%s\\n' "$cp_out" >&2; exit 1 ;;`,
    '  esac',
    'done',
    `printf '%s\\n' "$cp_out"`,
    'mkdir -p /var/lib/apt/periodic',
    'touch /var/lib/apt/periodic/update-success-stamp',
  ];
}

function isStale(facts: HostFacts, args: AptArgs): boolean {
  return facts.aptListsAge === undefined || facts.aptListsAge > args.cache_valid_time;
}

/**
 * The facts on which an apt task already plans `apt-get update`. plan sees the facts read before
 * anything changed in every task, while apply reads them again after that task ran and finds the
 * lists fresh: the later apt tasks of the run rely on that update, so that plan shows it once.
 */
const updatePlannedOn = new WeakSet<HostFacts>();

export const apt = defineModule({
  name: 'apt',
  schema,
  facts: (args) => (args.name.length > 0 ? [{ kind: 'packages', names: args.name.map(packageOf) }] : []),
  plan(args, facts) {
    const env = 'export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a APT_LISTCHANGES_FRONTEND=none';
    const updatedBefore = updatePlannedOn.has(facts);
    const stale = !updatedBefore && isStale(facts, args);
    if (args.state === 'absent') {
      const installed = args.name.filter((spec) => needFact(facts.packages, packageOf(spec), 'package').installed).map(packageOf);
      if (installed.length === 0) return null;
      return {
        summary: [`remove ${installed.join(', ')}`],
        script: script(env, aptGet(args, `remove -- ${installed.map(shellQuote).join(' ')}`)),
      };
    }

    const missing = args.name.filter((spec) => !needFact(facts.packages, packageOf(spec), 'package').installed);
    const unknown = missing.filter((spec) => facts.packages.get(packageOf(spec))?.candidate === null);
    const summary: string[] = [];
    let update = false;
    if (args.update_cache !== false) {
      if (args.update_cache === true && stale) {
        update = true;
        summary.push(`update the apt lists (${describeAge(facts.aptListsAge)})`);
      } else if (missing.length > 0 && unknown.length > 0 && !updatedBefore) {
        update = true;
        summary.push(`update the apt lists (apt does not know ${unknown.map(packageOf).join(', ')})`);
      } else if (missing.length > 0 && stale) {
        update = true;
        summary.push(`update the apt lists (${describeAge(facts.aptListsAge)})`);
      }
    }
    if (missing.length === 0 && !update) return null;
    if (update) updatePlannedOn.add(facts);
    const commands = update ? updateCommands(args) : [];
    if (missing.length > 0) {
      summary.push(`install ${missing.join(', ')}`);
      const recommends = args.install_recommends ? '' : '--no-install-recommends ';
      commands.push(aptGet(args, `install ${recommends}-- ${missing.map(shellQuote).join(' ')}`));
    }
    return { summary, script: script(env, ...commands) };
  },
});
