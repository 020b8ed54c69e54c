import type { HostFacts } from '../facts/types.js';
import { changeThenFacts, gatherFacts, gatherLateFacts, mayRun } from './gather-facts.js';
import { PRELUDE_FACT_NAMES } from '../facts/prelude.js';
import type { InventoryHost } from '../inventory/types.js';
import type { CompiledPlay, CompiledTask, ModuleTask } from '../playbook/types.js';
import type { PlannedChange } from '../modules/types.js';
import { conditionOnPartOfFacts, evaluateCondition } from '../playbook/expressions.js';
import { describeScriptFailure } from '../modules/lib/service-logs.js';
import { UnreachableError } from '../transport/errors.js';
import type { ConnectHost, HeldCommand, RemoteHost, RunResult } from '../transport/remote-host.js';
import { LOCK_FILE } from '../transport/run-lock.js';
import type { HostResult, Mode, RunGuard, RunObserver, TaskResult } from './results.js';
import { unsupportedOsReason } from './supported-os.js';
import type { WheelBroker } from '../wheels/wheel-broker.js';
import type { WheelKey } from '../wheels/wheel-key.js';
import { bringWheels, claimWheelBuilds } from './wheel-exchange.js';

export interface HostRunOptions {
  mode: Mode;
  /** opens the connection to a host (SSH in production, a fake in unit tests) */
  connect: ConnectHost;
  lockTimeoutSeconds: number;
  observer: RunObserver;
  /** the controller's wheel cache, shared by the hosts of the run; without it pip builds what it builds */
  wheels?: WheelBroker;
  /** apply of a saved plan (and plan --out): checks the host's facts and decisions against the plan */
  guard?: RunGuard;
}

class HostFailure extends Error {}

/** The host no longer matches the saved plan: nothing was changed on it. */
class HostRefused extends HostFailure {}

/** Converges (or plans) one host: connect, lock, facts, tasks, handlers. */
class HostRun {
  private readonly tasks: TaskResult[] = [];
  private readonly notified = new Set<string>();
  /** handler name -> why a change since its notification made it needless */
  private readonly superseded = new Map<string, string>();
  /** changes applied in this run that can be taken back, in order, with the play they belong to */
  private readonly undoable: { task: ModuleTask; play: CompiledPlay; undo: NonNullable<PlannedChange['undo']> }[] = [];
  private currentPlay: CompiledPlay | undefined;
  private remote: RemoteHost | undefined;
  private facts!: HostFacts;
  /** a change was applied since the facts were read: what a package install created is not in them */
  private factsStale = false;
  /** the tasks whose facts were read again after a change (with the prelude's); undefined: every task's */
  private factsCover: ReadonlySet<CompiledTask> | undefined;
  /** the play being run (index in plays) and its task being run (its number of tasks: the handlers at its end) */
  private position = { play: 0, task: 0 };
  /** apply changed something on the host in this run */
  private changedHost = false;

  constructor(
    private readonly host: InventoryHost,
    private readonly plays: CompiledPlay[],
    private readonly options: HostRunOptions,
  ) {}

  private step(text: string): void {
    this.options.observer.hostStep?.(this.host.name, text);
  }

  private record(task: TaskResult): void {
    this.tasks.push(task);
    this.options.observer.taskFinished?.(this.host.name, task);
  }

  async run(): Promise<HostResult> {
    const base = { name: this.host.name, address: this.host.connection.address };
    let lock: HeldCommand | undefined;
    try {
      this.step('connecting');
      this.remote = await this.options.connect(this.host.connection);
      if (this.options.mode === 'apply') lock = await this.acquireLock(this.remote);
      this.step('gathering facts');
      await this.readFacts();
      this.refuseIf(this.options.guard?.facts(this.host.name, this.facts));
      const osProblem = unsupportedOsReason(this.facts.os);
      if (osProblem) throw new HostFailure(osProblem);
      for (const [index, play] of this.plays.entries()) await this.runPlay(play, index);
      const changed = this.tasks.some((t) => t.status === 'changed');
      return { ...base, status: changed ? 'changed' : 'ok', commands: this.remote.commands, tasks: this.tasks };
    } catch (error) {
      const unreachable = error instanceof UnreachableError;
      const undone = unreachable ? '' : await this.undoChanges();
      return {
        ...base,
        status: unreachable ? 'unreachable' : 'failed',
        error: (error as Error).message + undone,
        ...(error instanceof HostRefused ? { refused: true } : {}),
        commands: this.remote?.commands ?? 0,
        tasks: this.tasks,
      };
    } finally {
      // Not waiting for the lock command to exit: the lock belongs to the SSH session, and closing
      // the connection ends it as surely as the end of its input does (a round trip saved per host).
      void lock?.release().catch(() => undefined);
      await this.remote?.close();
    }
  }

  private refuseIf(reason: string | undefined): void {
    if (reason !== undefined) throw new HostRefused(reason);
  }

  /** Before the first change on the host, every decision must be the one the saved plan holds. */
  private checkDecision(task: TaskResult): void {
    if (this.changedHost) return;
    this.refuseIf(this.options.guard?.decision(this.host.name, this.tasks.length, task));
  }

  private async readFacts(): Promise<void> {
    this.facts = await gatherFacts(this.remote!, this.plays.flatMap((p) => [...p.tasks, ...p.handlers.values()]));
    this.factsStale = false;
    this.factsCover = undefined;
  }

  /**
   * The facts the task needs, as they are now. After a change only its own are read again (a task that
   * changes is mostly followed by another); a task after one that changed nothing has those of every
   * task from it on read, once for them all. A task skipped whatever the facts say reads nothing.
   */
  private async factsForTask(task: ModuleTask): Promise<void> {
    if (!mayRun(task)) return;
    if (this.factsStale) await this.readFactsOf([task]);
    else if (this.factsCover && !this.factsCover.has(task)) await this.readFactsOf(this.tasksFrom(task));
  }

  private async readFactsOf(tasks: CompiledTask[]): Promise<void> {
    this.facts = await gatherFacts(this.remote!, tasks);
    this.factsStale = false;
    this.factsCover = new Set(tasks);
  }

  /** The task, then every task and handler that may run after it. */
  private tasksFrom(task: ModuleTask): CompiledTask[] {
    const current = this.plays[this.position.play]!;
    const later = this.plays.slice(this.position.play + 1);
    return [task, ...current.tasks.slice(this.position.task + 1), ...current.handlers.values(), ...later.flatMap((p) => [...p.tasks, ...p.handlers.values()])];
  }

  /** The task's `when`; when it looks beyond the prelude of facts read for some tasks, all are read first. */
  private async conditionHolds(task: ModuleTask): Promise<boolean> {
    if (this.factsCover) {
      const holds = conditionOnPartOfFacts(task.when, task.scope, this.facts, PRELUDE_FACT_NAMES);
      if (holds !== 'unknown') return holds;
      await this.readFacts();
    }
    return evaluateCondition(task.when, { ...task.scope, facts: this.facts });
  }

  /** The facts a task asks for given the others (what pip would install), just before it is planned. */
  private async readLateFacts(task: ModuleTask): Promise<void> {
    const requests = task.module.lateFacts?.(task.args, this.facts) ?? [];
    if (requests.length > 0) this.facts = await gatherLateFacts(this.remote!, requests, this.facts);
  }

  private async acquireLock(remote: RemoteHost): Promise<HeldCommand> {
    const waiting = setTimeout(() => {
      const message = 'waiting for another clamprovision run on this host to finish';
      this.step(message);
      this.options.observer.hostNotice?.(this.host.name, message);
    }, 1000);
    try {
      return await remote.lock(this.options.lockTimeoutSeconds);
    } catch (error) {
      throw new HostFailure(
        `another clamprovision run still holds the lock on this host after ${this.options.lockTimeoutSeconds} s` +
          ` (${LOCK_FILE}): ${(error as Error).message}`,
      );
    } finally {
      clearTimeout(waiting);
    }
  }

  private async runPlay(play: CompiledPlay, index: number): Promise<void> {
    this.currentPlay = play;
    for (const [taskIndex, task] of play.tasks.entries()) {
      this.position = { play: index, task: taskIndex };
      if (task.kind === 'flush_handlers') await this.runHandlers(play);
      else await this.runTask(task, false);
    }
    this.position = { play: index, task: play.tasks.length };
    await this.runHandlers(play);
  }

  private async runHandlers(play: CompiledPlay): Promise<void> {
    for (const [name, handler] of play.handlers) {
      const needless = this.superseded.get(name);
      this.superseded.delete(name);
      if (!this.notified.delete(name)) {
        if (needless !== undefined && handler.kind === 'module') {
          const skipped: TaskResult = { name, module: handler.module.name, status: 'skipped', handler: true, summary: [`not needed: ${needless}`] };
          this.checkDecision(skipped);
          this.record(skipped);
        }
        continue;
      }
      if (handler.kind === 'module') await this.runTask(handler, true);
    }
  }

  /** The handlers notified so far that a change made needless (PlannedChange.supersedes): not run unless notified again. */
  private dropSuperseded(supersedes: NonNullable<PlannedChange['supersedes']>): void {
    for (const name of this.notified) {
      const handler = this.currentPlay?.handlers.get(name);
      // a handler off on this host whatever its facts (compiled without arguments) is skipped anyway
      const reason = handler?.kind === 'module' && handler.args !== undefined ? supersedes({ module: handler.module.name, args: handler.args }) : undefined;
      if (reason === undefined) continue;
      this.notified.delete(name);
      this.superseded.set(name, reason);
    }
  }

  private async runTask(task: ModuleTask, inHandler: boolean): Promise<void> {
    const module = task.module;
    const result: TaskResult = { name: task.name, module: module.name, status: 'ok', ...(inHandler ? { handler: true } : {}) };
    this.step(task.name);
    try {
      // Read again after a change (one command), so e.g. the default site an apt install just created is seen.
      await this.factsForTask(task);
      if (!(await this.conditionHolds(task))) {
        this.checkDecision({ ...result, status: 'skipped' });
        this.record({ ...result, status: 'skipped' });
        return;
      }
      await this.readLateFacts(task);
      const broker = this.options.wheels;
      const wheelState = broker && ((key: WheelKey) => broker.state(key));
      const change = module.plan(task.args, this.facts, { taskName: task.name, inHandler, ...(wheelState ? { wheelState } : {}) });
      if (!change) {
        this.checkDecision(result);
        this.record(result);
        return;
      }
      if (change.check) {
        this.checkDecision({ ...result, check: true });
        if (this.options.mode === 'apply') await this.execute(change.script);
        this.record({ ...result, check: true, summary: change.summary });
        return;
      }
      Object.assign(result, { status: 'changed', summary: change.summary, ...(change.diff ? { diff: change.diff } : {}) });
      this.checkDecision(result);
      if (change.wheels && broker) claimWheelBuilds(change.wheels, broker, this.host.name);
      if (this.options.mode === 'apply') {
        this.changedHost = true;
        if (change.wheels && broker) {
          await bringWheels(change.wheels, { remote: this.remote!, broker, host: this.host.name, step: (text) => this.step(text) });
        }
        await this.executeThenReadFacts(change.script, inHandler ? undefined : this.nextTask());
        if (change.undo) this.undoable.push({ task, play: this.currentPlay!, undo: change.undo });
      }
      if (change.supersedes) this.dropSuperseded(change.supersedes);
      for (const name of task.notify) this.notified.add(name);
      this.record(result);
    } catch (error) {
      if (error instanceof HostRefused) throw error;
      const message = (error as Error).message;
      this.record({ ...result, status: 'failed', error: message });
      throw new HostFailure(`task '${task.name}' failed: ${message}`);
    }
  }

  /**
   * The host failed after changes that can be taken back (a release switched before a failed health
   * check): take them back, newest first, and run the handlers their tasks notify (a restart onto the
   * old code). Returns what to add to the host's error.
   */
  private async undoChanges(): Promise<string> {
    if (this.undoable.length === 0 || !this.remote) return '';
    const done: string[] = [];
    for (const { task, play, undo } of this.undoable.splice(0).reverse()) {
      const result: TaskResult = { name: `${task.name} (taken back: the host failed)`, module: task.module.name, status: 'changed', summary: undo.summary };
      this.step(result.name);
      try {
        await this.execute(undo.script);
        this.factsStale = true;
        this.record(result);
        done.push(...undo.summary);
        for (const name of task.notify) this.notified.add(name);
        await this.runHandlers(play);
      } catch (error) {
        this.record({ ...result, status: 'failed', error: (error as Error).message });
        return `; taking it back failed too: ${(error as Error).message}`;
      }
    }
    return done.length > 0 ? `; taken back: ${done.join('; ')}` : '';
  }

  private async execute(script: string): Promise<RunResult> {
    const outcome = await this.remote!.run(script);
    if (outcome.code !== 0) throw new Error(describeScriptFailure(outcome));
    return outcome;
  }

  /**
   * Runs a change, and in the same command reads the facts of the task that runs next (when it is
   * known: no handler may come first), as they are after the change. Otherwise they are stale.
   */
  private async executeThenReadFacts(script: string, next: ModuleTask | undefined): Promise<void> {
    const combined = next && changeThenFacts(script, [next]);
    const outcome = await this.execute(combined ? combined.script : script);
    const facts = combined?.read(outcome.stdout);
    if (facts) {
      this.facts = facts;
      this.factsStale = false;
      this.factsCover = new Set([next!]);
    } else {
      this.factsStale = true;
    }
  }

  /** The task that runs after the current one when no handler can come first (a flush, the play's end): the next that may run. */
  private nextTask(): ModuleTask | undefined {
    const tasks = this.plays[this.position.play]!.tasks;
    for (const task of tasks.slice(this.position.task + 1)) {
      if (task.kind === 'flush_handlers') return undefined;
      if (mayRun(task)) return task;
    }
    return undefined;
  }
}

export function runHost(host: InventoryHost, plays: CompiledPlay[], options: HostRunOptions): Promise<HostResult> {
  return new HostRun(host, plays, options).run();
}
