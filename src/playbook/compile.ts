import { isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { byLocation, InputError, inputErrorsIn, throwIfAny } from '../core/errors.js';
import { pathExists } from '../input/local-lookups.js';
import { runState } from '../input/run-memo.js';
import { misspeltVariables } from '../input/variable-names.js';
import { locate, locatePath, spreadLocated } from '../input/yaml-source.js';
import { modules } from '../modules/registry.js';
import type { AnyModule } from '../modules/types.js';
import { sameData } from './same-data.js';
import { conditionBeforeFacts, ExpressionError, renderString, renderValue, type Scope } from './expressions.js';
import type { CompiledPlay, CompiledTask, PlaySpec, Playbook, TaskSpec } from './types.js';
import { varsSchemaNamed, varsSchemaVariables, type SchemaHost } from './vars-schemas.js';

/** A host as a play is compiled for it: what a vars schema sees of it, and its variables. */
export interface HostInput extends SchemaHost {
  vars: Record<string, unknown>;
}

export interface CompileOptions {
  /** --tags: only tasks carrying one of these (or `always`) */
  tags?: string[];
  /** values of the run variables the command sets (see RUN_VARIABLES) */
  run?: Partial<RunVariables>;
}

/**
 * Variables a command sets for every host, beside inventory_hostname: a playbook can tell from them
 * what the run is for. An inventory may not set them.
 */
export interface RunVariables {
  /** `rollback`: which service (null: every one) goes back to which release ('previous' or a name) */
  clamprovision_rollback: { service: string | null; to: string } | null;
}

const RUN_VARIABLE_DEFAULTS: RunVariables = { clamprovision_rollback: null };

function runVariables(host: HostInput, run: Partial<RunVariables> | undefined): Scope {
  const reserved = ['inventory_hostname', ...Object.keys(RUN_VARIABLE_DEFAULTS)];
  throwIfAny(
    reserved
      .filter((name) => Object.hasOwn(host.vars, name))
      .map((name) => new InputError(`${name} is set by clamprovision for every host; an inventory may not set it`, locate(host.vars, name) ?? host.location)),
  );
  return { inventory_hostname: host.name, ...RUN_VARIABLE_DEFAULTS, ...run } as Scope;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${at}${issue.message}`;
}

export function templateSearchPath(playbookDir: string): string[] {
  return [join(playbookDir, 'templates'), join(playbookDir, '..', 'templates'), playbookDir];
}

function resolveTemplate(playbookDir: string, src: string): string {
  if (isAbsolute(src)) return src;
  for (const dir of templateSearchPath(playbookDir)) {
    const candidate = join(dir, src);
    if (pathExists(candidate)) return candidate;
  }
  throw new Error(`template '${src}' not found in ${templateSearchPath(playbookDir).join(', ')}`);
}

/** A local path of a task (copy src): as Ansible does, the playbook's files/ first, then the inventory's dir. */
function resolveLocal(path: string, playbookDir: string, inventoryDir: string): string {
  if (isAbsolute(path)) return path;
  const candidates = [join(playbookDir, 'files', path), join(playbookDir, path), resolve(inventoryDir, path)];
  return candidates.find((candidate) => pathExists(candidate)) ?? resolve(inventoryDir, path);
}

/** Variables of one host in one play: defaults < inventory < play vars; then the play's vars schema. */
export function playScope(play: PlaySpec, host: HostInput, run?: Partial<RunVariables>): Scope {
  // spreadLocated keeps each variable's file position, so errors about it still point at its line.
  const merged = spreadLocated(play.defaults, host.vars);
  const withPlayVars = spreadLocated(merged, renderValue(play.vars, merged) as Scope, runVariables(host, run));
  if (play.varsSchema === undefined) return withPlayVars;
  const known = [...varsSchemaVariables(play.varsSchema), ...Object.keys(play.defaults), ...Object.keys(play.vars)];
  const misspelt = misspeltVariables(host.vars, known);
  let scope: Scope;
  try {
    scope = varsSchemaNamed(play.varsSchema)(withPlayVars, host);
  } catch (error) {
    const found = inputErrorsIn(error);
    if (!found) throw error;
    throwIfAny([...misspelt, ...found].sort(byLocation));
    throw error;
  }
  throwIfAny(misspelt);
  return scope;
}

class TaskCompiler {
  readonly errors: InputError[] = [];

  constructor(
    private readonly playbook: Playbook,
    private readonly host: HostInput,
  ) {}

  private fail(task: TaskSpec, key: string | undefined, message: string): void {
    this.errors.push(new InputError(message, (key && locate(task.raw, key)) || task.location));
  }

  private render<T>(task: TaskSpec, key: string, action: () => T): T | undefined {
    try {
      return action();
    } catch (error) {
      if (error instanceof ExpressionError || error instanceof TypeError) {
        this.fail(task, key, error.message);
        return undefined;
      }
      throw error;
    }
  }

  /** Renders the module's arguments; an expression error points at the argument that holds it. */
  private renderArgs(task: TaskSpec, scope: Scope): unknown {
    const args = task.args;
    if (!args || typeof args !== 'object' || Array.isArray(args)) return this.render(task, task.module, () => renderValue(args, scope));
    const rendered: Record<string, unknown> = {};
    let failed = false;
    for (const [key, value] of Object.entries(args)) {
      try {
        rendered[key] = renderValue(value, scope);
      } catch (error) {
        if (!(error instanceof ExpressionError || error instanceof TypeError)) throw error;
        this.errors.push(new InputError(error.message, locate(args, key) ?? locate(task.raw, task.module) ?? task.location));
        failed = true;
      }
    }
    return failed ? undefined : rendered;
  }

  private loopItems(task: TaskSpec, scope: Scope): unknown[] | undefined {
    if (task.loop === undefined || task.loop === null) return undefined;
    const items = this.render(task, 'loop', () => renderValue(task.loop, scope));
    if (items === undefined) return [];
    if (!Array.isArray(items)) {
      this.fail(task, 'loop', 'loop must be a list (or an expression giving one)');
      return [];
    }
    return items;
  }

  compile(task: TaskSpec, scope: Scope): CompiledTask[] {
    const items = this.loopItems(task, scope);
    const scopes = items === undefined ? [scope] : items.map((item) => this.itemScope(scope, item));
    return scopes.flatMap((taskScope) => this.compileOne(task, taskScope) ?? []);
  }

  private readonly itemScopes = new Map<Scope, Map<object, Scope>>();

  /**
   * The scope of one loop item: made once per item object and host, not once per task (most loops
   * of a play go over the same services, and the copy of every variable was a host's largest
   * allocation). Scopes are only read, never changed, once compiled.
   */
  private itemScope(scope: Scope, item: unknown): Scope {
    if (typeof item !== 'object' || item === null) return { ...scope, item };
    let made = this.itemScopes.get(scope);
    if (!made) this.itemScopes.set(scope, (made = new Map()));
    let itemScope = made.get(item);
    if (!itemScope) made.set(item, (itemScope = { ...scope, item }));
    return itemScope;
  }

  private compileOne(task: TaskSpec, scope: Scope): CompiledTask | undefined {
    const name = this.render(task, 'name', () => String(renderString(task.name ?? task.module, scope)));
    const notify = this.render(task, 'notify', () => task.notify.map((n) => String(renderString(n, scope))));
    if (name === undefined || notify === undefined) return undefined;
    const base = { name, when: task.when, scope, notify, tags: task.tags, location: task.location };
    if (task.module === 'meta') return { ...base, kind: 'flush_handlers' };
    const module = modules[task.module];
    if (module === undefined) throw new Error(`internal error: no module named '${task.module}' (the playbook loader checks them)`);
    // A task whose `when` is false on this host whatever its facts is skipped as it stands: its
    // arguments may only make sense where it runs (a source directory, a TLS file).
    const before = this.render(task, 'when', () => conditionBeforeFacts(task.when, scope));
    if (before === undefined) return undefined;
    if (before === 'false') return { ...base, kind: 'module', when: false, module, args: undefined };
    const rendered = this.renderArgs(task, scope);
    if (rendered === undefined) return undefined;
    const parsed = checkedArgs(task, module, rendered);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        this.errors.push(new InputError(`${task.module}: ${describeIssue(issue)}`, locatePath(task.args, issue.path) ?? task.location));
      }
      return undefined;
    }
    let args = parsed.data;
    if (module.prepare) {
      try {
        args = module.prepare(parsed.data, {
          vars: scope,
          playbookDir: this.playbook.dir,
          resolveTemplate: (src: string) => resolveTemplate(this.playbook.dir, src),
          resolveLocal: (path: string) => resolveLocal(path, this.playbook.dir, this.host.inventoryDir),
        });
      } catch (error) {
        this.fail(task, task.module, `${task.module}: ${(error as Error).message}`);
        return undefined;
      }
    }
    return { ...base, kind: 'module', module, args };
  }
}

/** How many different argument values of one task are remembered (one per loop item, usually). */
const REMEMBERED_ARGS = 8;

/** After this many new argument values in a row, a task's are looked up and remembered one time in this many. */
const UNREMEMBERED_AFTER = 16;

type CheckedArgs = ReturnType<AnyModule['schema']['safeParse']>;

interface RememberedArgs {
  known: Array<{ rendered: unknown; parsed: CheckedArgs }>;
  misses: number;
}

/**
 * The module's check of a task's rendered arguments, reused when they equal (deeply) arguments
 * checked before in this run (sameData): most tasks get the same arguments on every host, and the check
 * (zod) was a tenth of what `validate` spent on a host. A module's schema reads nothing but its input.
 * A task whose arguments were new for each of the last hosts (they hold server_name) is checked
 * without comparing them with those remembered, but one time in UNREMEMBERED_AFTER.
 */
function checkedArgs(task: TaskSpec, module: AnyModule, rendered: unknown): CheckedArgs {
  const remembered = runState('checked module arguments', () => new Map<TaskSpec, RememberedArgs>());
  let entry = remembered.get(task);
  if (!entry) remembered.set(task, (entry = { known: [], misses: 0 }));
  const lookUp = entry.misses < UNREMEMBERED_AFTER || entry.misses % UNREMEMBERED_AFTER === 0;
  const hit = lookUp ? entry.known.find((known) => sameData(known.rendered, rendered)) : undefined;
  if (hit) {
    entry.misses = 0;
    return hit.parsed;
  }
  entry.misses += 1;
  const parsed = module.schema.safeParse(rendered);
  if (lookUp) entry.known = [{ rendered, parsed }, ...entry.known].slice(0, REMEMBERED_ARGS);
  return parsed;
}

function selectedByTags(task: TaskSpec, tags: string[] | undefined): boolean {
  if (!tags || tags.length === 0 || task.module === 'meta') return true;
  return task.tags.includes('always') || task.tags.some((t) => tags.includes(t));
}

/** Everything one host will run in one play, checked before any host is contacted. */
export function compilePlay(playbook: Playbook, play: PlaySpec, host: HostInput, options: CompileOptions = {}): CompiledPlay {
  const scope = playScope(play, host, options.run);
  const compiler = new TaskCompiler(playbook, host);
  const tasks = play.tasks.filter((t) => selectedByTags(t, options.tags)).flatMap((t) => compiler.compile(t, scope));
  const handlers = new Map<string, CompiledTask>();
  for (const handler of play.handlers.flatMap((h) => compiler.compile(h, scope))) handlers.set(handler.name, handler);
  for (const task of tasks) {
    for (const name of task.notify) {
      if (!handlers.has(name)) {
        compiler.errors.push(new InputError(`notify: no handler named '${name}' in this play`, task.location));
      }
    }
  }
  throwIfAny(compiler.errors);
  return { name: play.name, tasks, handlers };
}
