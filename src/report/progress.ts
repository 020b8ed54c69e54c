import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { secrets } from '../core/secrets.js';
import type { HostResult, RunObserver, TaskResult } from '../engine/results.js';

/** The part of a listr2 task wrapper this display uses. */
interface HostTask {
  title: string | undefined;
  output: string | undefined;
}

interface HostProgress {
  label: string;
  task?: HostTask;
  finished: Promise<HostResult>;
  finish(result: HostResult): void;
}

function taskLine(host: string, task: TaskResult, mode: 'apply' | 'plan'): string {
  const status = task.status === 'changed' && mode === 'plan' ? 'would change' : task.status;
  const error = task.error ? `: ${task.error.split('\n')[0]}` : '';
  return `${host}: ${task.handler ? 'handler ' : ''}${task.name}: ${status}${error}`;
}

/** A host as people read it: its inventory name, and the address it is reached at when that is another. */
export function hostLabel(host: { name: string; address: string }): string {
  return host.address === host.name ? host.name : `${host.name} (${host.address})`;
}

export function hostRecap(result: HostResult): string {
  const count = (status: string) => result.tasks.filter((t) => t.status === status).length;
  const base = `${hostLabel(result)}: ${result.status} (ok=${count('ok')} changed=${count('changed')} failed=${count('failed')} skipped=${count('skipped')})`;
  return result.error ? `${base}: ${result.error.split('\n')[0]}` : base;
}

/**
 * Progress of all hosts on stderr with listr2: a live list on a terminal, plain lines otherwise. Every line
 * starts with the host name, since hosts run concurrently and their lines interleave.
 */
export class ProgressDisplay implements RunObserver {
  private readonly hosts = new Map<string, HostProgress>();
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly mode: 'apply' | 'plan',
    private readonly verbose: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  start(hosts: Array<{ name: string; address: string }>): void {
    for (const host of hosts) {
      let finish!: (result: HostResult) => void;
      const finished = new Promise<HostResult>((resolve) => (finish = resolve));
      this.hosts.set(host.name, { label: hostLabel(host), finished, finish });
    }
    const logger = new ListrLogger({ processOutput: new ProcessOutput(this.stream, this.stream), toStderr: [] });
    const interactive = Boolean(this.stream.isTTY) && !process.env.CI;
    const listr = new Listr(
      [...this.hosts.values()].map((progress) => ({
        title: `${progress.label}: waiting`,
        task: async (_context: unknown, task: HostTask) => {
          progress.task = task;
          const result = await progress.finished;
          task.title = secrets.mask(hostRecap(result));
          if (result.status === 'failed' || result.status === 'unreachable') throw new Error(secrets.mask(hostRecap(result)));
        },
      })),
      {
        concurrent: true,
        exitOnError: false,
        collectErrors: false,
        // not 'simple': it prints a failed host's line, then its error again in [FAILED: …]
        renderer: interactive ? 'default' : 'verbose',
        fallbackRenderer: 'verbose',
        rendererOptions: { logger, collapseErrors: false, showErrorMessage: false } as never,
        fallbackRendererOptions: { logger } as never,
      },
    );
    this.running = listr.run().catch(() => undefined);
  }

  hostStep(host: string, step: string): void {
    const progress = this.hosts.get(host);
    if (progress?.task) progress.task.title = secrets.mask(`${progress.label}: ${step}`);
  }

  hostNotice(host: string, message: string): void {
    const task = this.hosts.get(host)?.task;
    if (task) task.output = secrets.mask(`${host}: ${message}`);
  }

  taskFinished(host: string, result: TaskResult): void {
    const task = this.hosts.get(host)?.task;
    if (!task) return;
    if (result.status === 'ok' && !this.verbose) return;
    if (result.status === 'skipped' && !this.verbose) return;
    task.output = secrets.mask(taskLine(host, result, this.mode));
  }

  hostFinished(result: HostResult): void {
    this.hosts.get(result.name)?.finish(result);
  }

  async stop(): Promise<void> {
    await this.running;
  }
}
