/** Plays, inventory hosts and a run of the engine against fake hosts, for the engine's unit tests. */
import type { HostResult, Mode, RunGuard, RunObserver } from '../../../src/engine/results.js';
import { runAll } from '../../../src/engine/run-all.js';
import type { InventoryHost } from '../../../src/inventory/types.js';
import { command } from '../../../src/modules/command.js';
import type { ModuleDefinition } from '../../../src/modules/types.js';
import type { CompiledPlay, CompiledTask, FlushHandlersTask, ModuleTask } from '../../../src/playbook/types.js';
import type { WheelBroker } from '../../../src/wheels/wheel-broker.js';
import { fakeConnector, type FakeHost } from '../../helpers/fake-host.js';

export interface CommandOptions {
  notify?: string[];
  /** skip when this path exists on the host */
  creates?: string;
  when?: unknown;
}

/** A `command` task named after its command line: the fake host finds it by that text in the script. */
export function run(cmd: string, options: CommandOptions = {}): ModuleTask {
  const args = command.schema.parse({ cmd, ...(options.creates ? { creates: options.creates } : {}) });
  return {
    kind: 'module',
    name: cmd,
    module: command as ModuleDefinition<unknown>,
    args,
    when: options.when,
    scope: {},
    notify: options.notify ?? [],
    tags: [],
  };
}

export function flushHandlers(): FlushHandlersTask {
  return { kind: 'flush_handlers', name: 'flush_handlers', when: undefined, scope: {}, notify: [], tags: [] };
}

/** A play; handlers run in the order given here, as they are defined in the playbook. */
export function play(tasks: CompiledTask[], handlers: ModuleTask[] = [], name = 'play'): CompiledPlay {
  return { name, tasks, handlers: new Map(handlers.map((handler) => [handler.name, handler])) };
}

export function inventoryHost(fake: FakeHost, name = fake.address): InventoryHost {
  return {
    name,
    groups: ['all'],
    vars: {},
    connection: { address: fake.address, port: 22, user: 'root', become: false, hostKeyChecking: true },
  };
}

/** What the engine told the observer, in order. */
export interface Observed {
  notices: string[];
  finished: string[];
  /** 'start NAME' and 'finish NAME' */
  events: string[];
}

export interface EngineRun {
  results: HostResult[];
  observed: Observed;
  /** by host name */
  result(name: string): HostResult;
}

export interface EngineOptions {
  mode?: Mode;
  serial?: number;
  forks?: number;
  lockTimeoutSeconds?: number;
  /** the run's wheel cache (none unless given) */
  wheels?: WheelBroker;
  guard?: RunGuard;
}

/** Runs the plays on every fake host (inventory order, name = address), as apply does unless told otherwise. */
export async function runEngine(hosts: FakeHost[], plays: CompiledPlay[], options: EngineOptions = {}): Promise<EngineRun> {
  const observed: Observed = { notices: [], finished: [], events: [] };
  const observer: RunObserver = {
    hostStarted: (host) => observed.events.push(`start ${host}`),
    hostNotice: (host, message) => observed.notices.push(`${host}: ${message}`),
    hostFinished: (result) => {
      observed.finished.push(result.name);
      observed.events.push(`finish ${result.name}`);
    },
  };
  const inventory = hosts.map((host) => inventoryHost(host));
  const results = await runAll(inventory, new Map(inventory.map((host) => [host.name, plays])), {
    mode: options.mode ?? 'apply',
    forks: options.forks ?? 5,
    serial: options.serial,
    connect: fakeConnector(...hosts),
    lockTimeoutSeconds: options.lockTimeoutSeconds ?? 5,
    observer,
    ...(options.wheels ? { wheels: options.wheels } : {}),
    guard: options.guard,
  });
  return {
    results,
    observed,
    result: (name) => {
      const found = results.find((result) => result.name === name);
      if (!found) throw new Error(`no result for ${name}`);
      return found;
    },
  };
}

/** The commands (task names) a host's run reported, with their status; handlers marked. */
export function taskLines(result: HostResult): string[] {
  return result.tasks.map((task) => `${task.handler ? 'handler ' : ''}${task.name}: ${task.status}`);
}

/** The command lines of the `command` task scripts a fake host ran, in order. */
export function commandsRun(host: FakeHost): string[] {
  return host.taskScripts.map((script) => /\(\nset \+e\n([\s\S]*?)\n\)/.exec(script)?.[1] ?? script);
}
