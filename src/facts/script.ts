import type { FactRequest } from './host-facts.js';
import { factKinds, kindOf } from './kinds/index.js';
import { PRELUDE_FACTS, PRELUDE_HELPERS } from './prelude.js';

/**
 * Builds the ONE remote command that gathers every fact a run needs from a host: the prelude, the
 * kinds' shell functions, a command per request (in the order given), then one command per batched
 * kind for all its requests. Its output is read by parseFactsOutput() (protocol.ts describes it).
 *
 * It only reads: no apt-get update, no writes to /var/cache/apt (apt-cache builds its cache in
 * memory), no ufw command (its files are read instead).
 *
 * The requests are taken as given: merge them first (mergeFactRequests), once, and hand the same
 * list to parseFactsOutput to check the answer is complete.
 */
export function buildFactsScript(requests: readonly FactRequest[]): string {
  const shells = factKinds.flatMap((kind) => (kind.shell === undefined ? [] : [kind.shell]));
  const lines: string[] = ['{', [PRELUDE_HELPERS, ...shells, PRELUDE_FACTS].join('\n')];
  for (const request of requests) {
    const kind = kindOf(request);
    if (!kind.batched) lines.push(...kind.command(request));
  }
  for (const kind of factKinds) {
    if (!kind.batched) continue;
    const asked = requests.filter((request) => request.kind === kind.name);
    if (asked.length > 0) lines.push(...kind.command(asked));
  }
  // one group read whole before it runs: no command can take the rest of the script from stdin
  lines.push(`echo '@@end'`, '} </dev/null', '');
  return lines.join('\n');
}
