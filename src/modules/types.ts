import type { z } from 'zod';
import type { FactRequest, HostFacts } from '../facts/types.js';
import type { WheelState } from '../wheels/wheel-broker.js';
import type { WheelKey } from '../wheels/wheel-key.js';
import type { WheelWork } from '../wheels/wheel-plan.js';

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
  /**
   * a read-only check (http_check): run by apply, listed but not run by plan, never "changed";
   * the script's non-zero exit fails the host
   */
  check?: true;
  /**
   * how to take the change back when the host fails later in the run (a release switched before a
   * failed health check): the engine runs it, then the handlers the task notifies
   */
  undo?: { summary: string[]; script: string };
  /**
   * wheels the engine brings to the host before the script runs (pip): uploaded from the
   * controller's wheel cache, or built here once and kept there; the script installs from them
   */
  wheels?: WheelWork;
  /**
   * Whether a handler notified before this change is made needless by it, and why (a unit started
   * from stopped runs what was written before it: a restart notified then would only repeat the
   * start). The engine then does not run that handler unless it is notified again later.
   */
  supersedes?(handler: { module: string; args: unknown }): string | undefined;
}

export interface PlanContext {
  /** the task's name, for messages */
  taskName: string;
  /** true when running from a handler (service restarted/reloaded are only allowed there) */
  inHandler: boolean;
  /** where a wheel of the controller's cache is for this run; absent: no wheel cache */
  wheelState?: (key: WheelKey) => WheelState;
}

/** What prepare() may use on the controller, before any host is contacted. */
export interface PrepareContext {
  /** the task's variables (inventory + play vars + item): the locals of a template */
  vars: Record<string, unknown>;
  playbookDir: string;
  /** a template's src -> absolute local path (playbook dir/templates, ../templates, playbook dir) */
  resolveTemplate(src: string): string;
  /** a local path from a variable or argument -> absolute local path */
  resolveLocal(path: string): string;
}

/**
 * A module: its arguments (Args, what the schema gives) and, when prepare() transforms them, the
 * prepared values plan() works on (Prepared). Declare one with defineModule to have both inferred.
 */
export interface ModuleDefinition<Args = unknown, Prepared = Args> {
  name: string;
  /** argument spec: unknown keys and wrong types are input errors at file:line:col */
  schema: z.ZodType<Args>;
  /**
   * runs on the controller after the schema, before planning (also by `validate`, offline): reads
   * local files, renders templates; returns the values facts() and plan() get. Throws on bad input.
   * A module without it plans on its arguments as the schema gives them.
   */
  prepare?(args: Args, context: PrepareContext): Prepared;
  /** the facts plan() reads; the engine gathers all tasks' requests in one remote command */
  facts(args: Prepared): FactRequest[];
  /**
   * facts that only matter given the first ones (what pip would install, asked only when the
   * virtualenv lacks something): read just before plan(), in one more command, when not empty
   */
  lateFacts?(args: Prepared, facts: HostFacts): FactRequest[];
  /** pure: null when the host already is as the arguments say. Throws PlanError when it can't go on. */
  plan(args: Prepared, facts: HostFacts, context: PlanContext): PlannedChange | null;
}

/**
 * Declares a module with its argument types inferred: Args from its schema, Prepared from
 * prepare(); a module without prepare() plans on Args.
 */
export function defineModule<Args, Prepared>(module: ModuleDefinition<Args, Prepared> & { prepare(args: Args, context: PrepareContext): Prepared }): ModuleDefinition<Args, Prepared>;
export function defineModule<Args>(module: ModuleDefinition<Args> & { prepare?: never }): ModuleDefinition<Args>;
export function defineModule<Args, Prepared>(module: ModuleDefinition<Args, Prepared>): ModuleDefinition<Args, Prepared> {
  return module;
}

/**
 * A module as the registry and compiled tasks hold it, its argument types forgotten: the compiler
 * hands each one only what its own schema and prepare() produced.
 */
export type AnyModule = ModuleDefinition<unknown, unknown>;

/** The task cannot be planned on this host (e.g. a restart outside a handler, a masked unit). */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}
