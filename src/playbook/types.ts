import type { SourceLocation } from '../core/errors.js';
import type { AnyModule } from '../modules/types.js';
import type { Scope } from './expressions.js';

/** A task as written in the playbook (before variables are applied). */
export interface TaskSpec {
  name?: string;
  /** module name, or 'meta' */
  module: string;
  /** raw module arguments from the YAML (positions can be looked up with locate()) */
  args: unknown;
  when?: unknown;
  loop?: unknown;
  notify: string[];
  tags: string[];
  location?: SourceLocation;
  /** the YAML mapping of the task, for error positions */
  raw: object;
}

export interface PlaySpec {
  name: string;
  hosts: string;
  varsSchema?: string;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  tasks: TaskSpec[];
  handlers: TaskSpec[];
  location?: SourceLocation;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: PlaySpec[];
}

interface CompiledTaskBase {
  name: string;
  when: unknown;
  /** variables (and `item`) the task was rendered with; `when` sees these plus `facts` */
  scope: Scope;
  notify: string[];
  tags: string[];
  location?: SourceLocation;
}

/** A task ready for one host: loop expanded, arguments rendered and checked. */
export interface ModuleTask extends CompiledTaskBase {
  kind: 'module';
  module: AnyModule;
  args: unknown;
}

/** `meta: flush_handlers`: runs the handlers notified so far, then the play goes on. */
export interface FlushHandlersTask extends CompiledTaskBase {
  kind: 'flush_handlers';
}

export type CompiledTask = ModuleTask | FlushHandlersTask;

export interface CompiledPlay {
  name: string;
  tasks: CompiledTask[];
  /** handler name -> handler task */
  handlers: Map<string, CompiledTask>;
}
