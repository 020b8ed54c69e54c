import { z } from 'zod';
import { RELEASE_ID, RELEASE_MARKER, type ReleaseEntry, type ReleasesFact } from '../facts/kinds/releases.js';
import { needFact } from './lib/facts.js';
import { absolutePathSchema } from './lib/mode.js';
import { fail, script, shellQuote } from './lib/shell.js';
import { PlanError, defineModule, type PlannedChange } from './types.js';

const releaseId = z.string().regex(RELEASE_ID, { error: 'must be a release name: letters, digits, ., _ and -' });

const schema = z
  .strictObject({
    /** the directory holding releases/ and the `current` link */
    home: absolutePathSchema,
    /** what the releases belong to, for messages (a service's name) */
    label: z.string().min(1),
    /**
     * switch: make `release` current (install it first: it must be a directory under releases/);
     * rollback: make `to` current; prune: remove releases beyond the newest `keep`
     */
    state: z.enum(['switch', 'rollback', 'prune']),
    release: releaseId.optional(),
    /** rollback: `previous` (the release deployed before the current one) or a release name or its start */
    to: z.string().min(1).optional(),
    keep: z.int().min(1).max(1000).optional(),
    /** switch: a sh command that must succeed before the switch; $RELEASE is the release's directory */
    verify: z.string().min(1).optional(),
  })
  .refine((args) => args.state !== 'switch' || args.release !== undefined, { message: 'state: switch needs release', path: ['release'] })
  .refine((args) => args.state !== 'rollback' || args.to !== undefined, { message: 'state: rollback needs to', path: ['to'] })
  .refine((args) => args.state !== 'prune' || args.keep !== undefined, { message: 'state: prune needs keep', path: ['keep'] });

export type ReleaseArgs = z.output<typeof schema>;

/** Completed releases, newest deployment first. */
export function deployedReleases(fact: ReleasesFact): Required<ReleaseEntry>[] {
  return fact.releases
    .filter((r): r is Required<ReleaseEntry> => r.deployedAt !== undefined)
    .sort((a, b) => (a.deployedAt < b.deployedAt ? 1 : a.deployedAt > b.deployedAt ? -1 : 0));
}

/** The release a rollback goes to: `previous` is the newest one deployed before the current one. */
export function rollbackTarget(fact: ReleasesFact, to: string, label: string): Required<ReleaseEntry> {
  const deployed = deployedReleases(fact);
  const listing = deployed.length > 0 ? deployed.map((r) => r.id).join(', ') : 'none';
  if (to === 'previous') {
    const current = deployed.find((r) => r.id === fact.current);
    if (current === undefined) throw new PlanError(`${label} has no current release to roll back from (releases: ${listing})`);
    const previous = deployed.find((r) => r.deployedAt < current.deployedAt);
    if (previous === undefined) throw new PlanError(`${label}: no release older than the current one (${current.id}) to roll back to (releases: ${listing})`);
    return previous;
  }
  const matches = deployed.filter((r) => r.id === to || r.id.startsWith(to));
  const exact = matches.find((r) => r.id === to);
  if (exact !== undefined) return exact;
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new PlanError(`${label}: release '${to}' is ambiguous: ${matches.map((r) => r.id).join(', ')}`);
  throw new PlanError(`${label} has no release '${to}' (releases: ${listing})`);
}

/** Releases beyond the newest `keep` deployed ones, and unfinished ones; never the current one. */
export function releasesToPrune(fact: ReleasesFact, keep: number): string[] {
  const kept = new Set(deployedReleases(fact).slice(0, keep).map((r) => r.id));
  return fact.releases.map((r) => r.id).filter((id) => !kept.has(id) && id !== fact.current);
}

/** `current` -> releases/ID by renaming a new link over it: readers see the old or the new, never none. */
function switchTo(home: string, id: string): string {
  const link = `${home}/current`;
  return `ln -sfn ${shellQuote(`releases/${id}`)} ${shellQuote(`${link}.new`)} && mv -fT ${shellQuote(`${link}.new`)} ${shellQuote(link)}`;
}

function describe(entry: Required<ReleaseEntry>): string {
  return `${entry.id} (deployed ${entry.deployedAt})`;
}

/**
 * A service's code in releases: HOME/releases/ID, one directory per deployed version, and the
 * `current` link the service runs from, switched atomically. The switch can be undone: when the
 * host fails after it (a health check), the engine switches back.
 */
export const release = defineModule({
  name: 'release',
  schema,
  facts: (args) => [{ kind: 'releases', home: args.home }],
  plan(args, facts): PlannedChange | null {
    const fact = needFact(facts.releases, args.home, 'releases');
    const previous = fact.current;
    const undo = previous !== null && fact.releases.some((r) => r.id === previous) ? { summary: [`switch ${args.label} back to release ${previous}`], script: script(switchTo(args.home, previous)) } : undefined;

    if (args.state === 'prune') {
      const doomed = releasesToPrune(fact, args.keep!);
      if (doomed.length === 0) return null;
      return {
        summary: doomed.map((id) => `remove release ${id} of ${args.label} (keeping the newest ${args.keep})`),
        script: script(...doomed.map((id) => `rm -rf -- ${shellQuote(`${args.home}/releases/${id}`)}`)),
      };
    }

    if (args.state === 'rollback') {
      const target = rollbackTarget(fact, args.to!, args.label);
      if (target.id === fact.current) return null;
      return {
        summary: [`roll ${args.label} back from release ${previous ?? 'none'} to ${describe(target)}`],
        script: script(switchTo(args.home, target.id)),
        ...(undo ? { undo } : {}),
      };
    }

    const id = args.release!;
    const entry = fact.releases.find((r) => r.id === id);
    if (fact.current === id && entry?.deployedAt !== undefined) return null;
    const dir = `${args.home}/releases/${id}`;
    const summary = [
      entry?.deployedAt !== undefined
        ? `switch ${args.label} to its earlier release ${id} (from ${previous ?? 'none'})`
        : `switch ${args.label} to the new release ${id} (from ${previous ?? 'none'})`,
    ];
    return {
      summary,
      script: script(
        `test -d ${shellQuote(dir)} || ${fail(`release ${id} of ${args.label} is not installed in ${dir}`)}`,
        // a subshell, as command's: the check's own `set`, `cd` and `exit` stay inside
        args.verify !== undefined && `(\nset +e\nRELEASE=${shellQuote(dir)}\n${args.verify}\n) || ${fail(`release ${id} of ${args.label} failed its check before the switch`)}`,
        `printf 'deployed_at=%s\\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" > ${shellQuote(`${dir}/${RELEASE_MARKER}.new`)}`,
        `mv -f ${shellQuote(`${dir}/${RELEASE_MARKER}.new`)} ${shellQuote(`${dir}/${RELEASE_MARKER}`)}`,
        switchTo(args.home, id),
      ),
      ...(undo ? { undo } : {}),
    };
  },
});
