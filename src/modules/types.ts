import type { z } from 'zod';
import type { FactRequest, HostFacts } from '../facts/types.js';

/**
 * What a module would do to a host: computed purely from (arguments, facts), shown by `plan`,
 * executed by `apply`. apply = plan, then run `script` — so both always agree.
 */
export interface PlannedChange {
  /** one line per change, e.g. "install nginx", "mode 0644 -> 0640" */
  summary: string[];
  /** unified diff of file contents, when a file changes */
  diff?: string;
  /** POSIX sh script run as ONE remote command (`sh -s`, as root when become); exit 0 = success */
  script: string;
}

export interface PlanContext {
  /** the task's name, for messages */
  taskName: string;
  /** true when running from a handler (service restarted/reloaded are only allowed there) */
  inHandler: boolean;
}

export interface ModuleDefinition<Args = unknown> {
  name: string;
  /** argument spec: unknown keys and wrong types are input errors at file:line:col */
  schema: z.ZodType<Args>;
  /** the facts plan() reads; the engine gathers all tasks' requests in one remote command */
  facts(args: Args): FactRequest[];
  /** pure: null when the host already is as the arguments say */
  plan(args: Args, facts: HostFacts, context: PlanContext): PlannedChange | null;
}
