/**
 * A host for engine tests, without SSH: it answers the facts command from a HostFacts description,
 * records every task script it is asked to run and answers each as the test scripted it (exit code,
 * output, and how the host's facts change), has the run lock another run may hold, and can be
 * unreachable.
 */
import type { HostFacts } from '../../src/facts/types.js';
import { ConnectionLostError, UnreachableError } from '../../src/transport/errors.js';
import type { ConnectHost, HeldCommand, RemoteHost, RunResult } from '../../src/transport/remote-host.js';
import { factsOutput } from './facts-output.js';
import { splitChangeThenFacts } from '../../src/engine/gather-facts.js';

/** Every facts script prints this header first; no task script contains it. */
const FACTS_HEADER = '@@clamprovision-facts';

export interface ScriptAnswer {
  code?: number;
  stdout?: string;
  stderr?: string;
  /** how the host changes when the script succeeds: facts read afterwards see it */
  effect?: (facts: HostFacts) => void;
  /** the connection drops while the script runs (no exit status comes back) */
  connectionLost?: string;
}

interface ScriptRule extends ScriptAnswer {
  match: string | RegExp;
}

/** Taking a free lock is a round trip on a real host: an engine that announces a wait too early shows it. */
const LOCK_ROUND_TRIP_MS = 20;

/** Flock's answer when the wait runs out: it exits 1 before the held command prints its ready line. */
const LOCK_TIMEOUT_MESSAGE = 'command ended (exit 1) before it was ready';

export class FakeHost implements RemoteHost {
  commands = 0;
  /** every script run other than the facts command, in order, across connections */
  readonly taskScripts: string[] = [];
  /** task scripts run while this host's run did not hold the lock */
  unlockedTaskScripts = 0;
  /** times the facts command ran */
  factsReads = 0;
  /** every facts command, in order */
  readonly factsScripts: string[] = [];
  connections = 0;
  closed = false;
  /** times a run took the lock */
  locksTaken = 0;
  /** this host's run holds the lock */
  locked = false;
  private readonly rules: ScriptRule[] = [];
  private unreachableReason: string | undefined;
  private otherRun: { released: Promise<void>; release: () => void } | undefined;

  constructor(
    readonly address: string,
    /** what the facts command reports (task effects change it) */
    readonly facts: HostFacts,
  ) {}

  /** Scripts containing `match` answer so (the first rule that matches counts); others exit 0 silently. */
  on(match: string | RegExp, answer: ScriptAnswer): this {
    this.rules.push({ match, ...answer });
    return this;
  }

  /** Connecting fails with this reason, as when sshd refuses or the address does not answer. */
  unreachable(reason = `connection refused by root@${this.address}:22 (is sshd running on that port?)`): this {
    this.unreachableReason = reason;
    return this;
  }

  /** Another clamprovision run holds the lock until the returned function is called. */
  lockedByAnotherRun(): () => void {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.otherRun = { released, release };
    return () => {
      this.otherRun = undefined;
      release();
    };
  }

  /** the task scripts that contain `text` */
  scriptsWith(text: string): string[] {
    return this.taskScripts.filter((script) => script.includes(text));
  }

  connect(): FakeHost {
    if (this.unreachableReason !== undefined) throw new UnreachableError(this.unreachableReason);
    this.connections += 1;
    this.commands = 0;
    this.closed = false;
    return this;
  }

  async run(script: string): Promise<RunResult> {
    if (this.closed) throw new ConnectionLostError('fake host: a command after close()');
    this.commands += 1;
    // a change and the facts read after it, in one command
    const combined = splitChangeThenFacts(script);
    if (combined) {
      const outcome = this.runTaskScript(combined.change);
      return outcome.code === 0 ? { ...outcome, stdout: outcome.stdout + this.readFacts(combined.facts) } : outcome;
    }
    if (script.includes(FACTS_HEADER)) return { code: 0, stdout: this.readFacts(script), stderr: '' };
    return this.runTaskScript(script);
  }

  private readFacts(script: string): string {
    this.factsReads += 1;
    this.factsScripts.push(script);
    return factsOutput(this.facts);
  }

  private runTaskScript(script: string): RunResult {
    this.taskScripts.push(script);
    if (!this.locked) this.unlockedTaskScripts += 1;
    const rule = this.rules.find(({ match }) => (typeof match === 'string' ? script.includes(match) : match.test(script)));
    if (rule?.connectionLost !== undefined) {
      this.closed = true;
      this.locked = false;
      throw new ConnectionLostError(rule.connectionLost);
    }
    const code = rule?.code ?? 0;
    if (code === 0) rule?.effect?.(this.facts);
    return { code, stdout: rule?.stdout ?? '', stderr: rule?.stderr ?? '' };
  }

  async lock(timeoutSeconds: number): Promise<HeldCommand> {
    if (this.closed) throw new ConnectionLostError('fake host: a command after close()');
    this.commands += 1;
    await new Promise((resolve) => setTimeout(resolve, LOCK_ROUND_TRIP_MS));
    if (this.otherRun && !(await settlesWithin(this.otherRun.released, timeoutSeconds * 1000))) {
      throw new Error(LOCK_TIMEOUT_MESSAGE);
    }
    this.locksTaken += 1;
    this.locked = true;
    return { release: async () => void (this.locked = false) };
  }

  async close(): Promise<void> {
    // the lock belongs to the connection
    this.closed = true;
    this.locked = false;
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The engine's connect function for these hosts, found by address. */
export function fakeConnector(...hosts: FakeHost[]): ConnectHost {
  return async (connection) => {
    const host = hosts.find((candidate) => candidate.address === connection.address);
    if (!host) throw new Error(`fake host: no host at ${connection.address}`);
    return host.connect();
  };
}
