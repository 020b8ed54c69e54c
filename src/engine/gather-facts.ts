import { mergeFactRequests } from '../facts/merge.js';
import { parseFactsOutput } from '../facts/parse.js';
import { FACTS_HEADER } from '../facts/protocol.js';
import { buildFactsScript } from '../facts/script.js';
import { sameSnapshot } from '../facts/snapshot.js';
import type { FactRequest, HostFacts } from '../facts/types.js';
import { conditionBeforeFacts } from '../playbook/expressions.js';
import type { CompiledTask } from '../playbook/types.js';
import type { RemoteHost } from '../transport/remote-host.js';

/**
 * False when the task's `when` is false whatever the host's facts are (e.g. `webserver == 'apache-wsgi'`
 * on an nginx host): such a task is skipped, so its facts need not be read. That keeps a no-op run
 * from asking apt-cache (slow) about packages of tasks that never run.
 */
export function mayRun(task: CompiledTask): boolean {
  try {
    return conditionBeforeFacts(task.when, task.scope) !== 'false';
  } catch {
    return true; // the error shows when the task itself evaluates its condition
  }
}

/** Everything the tasks need to know about the host, read with ONE remote command and checked complete. */
export async function gatherFacts(remote: RemoteHost, tasks: CompiledTask[]): Promise<HostFacts> {
  return readFacts(remote, requestsOf(tasks));
}

function requestsOf(tasks: CompiledTask[]): FactRequest[] {
  return mergeFactRequests(tasks.flatMap((t) => (t.kind === 'flush_handlers' || !mayRun(t) ? [] : t.module.facts(t.args))));
}

/** Between a change's script and the facts read after it (a comment: sh skips it). */
const FACTS_AFTER_CHANGE = [')', 'cp_rc=$?', '[ "$cp_rc" -eq 0 ] || exit "$cp_rc"', '# clamprovision: the facts after the change', '('].join('\n');

/**
 * A change's script and, when it succeeds, the reading of the tasks' facts after it: ONE remote
 * command instead of two. The change runs in a subshell (its `set -e` and `exit` stay there) and its
 * exit status is the command's; the facts' own failure is not, read() then says none were read.
 */
export function changeThenFacts(script: string, tasks: CompiledTask[]): { script: string; read(stdout: string): HostFacts | undefined } {
  const requests = requestsOf(tasks);
  return {
    script: ['(', script, FACTS_AFTER_CHANGE, buildFactsScript(requests), ')', 'exit 0', ''].join('\n'),
    read(stdout) {
      try {
        return parseFactsOutput(stdout.slice(Math.max(0, stdout.lastIndexOf(`@@${FACTS_HEADER} `))), requests);
      } catch {
        return undefined;
      }
    },
  };
}

/** Facts that depend on the others (a module's lateFacts): read in one more command, added to them. */
export async function gatherLateFacts(remote: RemoteHost, requests: FactRequest[], facts: HostFacts): Promise<HostFacts> {
  const late = await readFacts(remote, mergeFactRequests(requests));
  const merged: Record<string, unknown> = { ...facts };
  for (const [slot, value] of Object.entries(late)) {
    const before = merged[slot];
    // a kind's slot is a map by request; the prelude's facts stay as first read
    if (value instanceof Map && before instanceof Map) merged[slot] = new Map([...before, ...value]);
  }
  const result = merged as unknown as HostFacts;
  sameSnapshot(result, facts);
  return result;
}

async function readFacts(remote: RemoteHost, requests: FactRequest[]): Promise<HostFacts> {
  const result = await remote.run(buildFactsScript(requests));
  if (result.code !== 0) {
    throw new Error(`gathering facts failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return parseFactsOutput(result.stdout, requests);
}

/** The change's script and the facts script of what changeThenFacts made; undefined for any other script. */
export function splitChangeThenFacts(combined: string): { change: string; facts: string } | undefined {
  const at = combined.indexOf(`\n${FACTS_AFTER_CHANGE}\n`);
  const end = '\n)\nexit 0\n';
  if (!combined.startsWith('(\n') || at < 0 || !combined.endsWith(end)) return undefined;
  return { change: combined.slice(2, at), facts: combined.slice(at + FACTS_AFTER_CHANGE.length + 2, -end.length) };
}
