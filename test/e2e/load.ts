/**
 * A steady, bounded load on a lab host for the zero-downtime tests: `parallel` loops, each sending
 * one GET after the other with a pause of `pauseMs` between them (a fresh connection each, as browsers
 * and CLAM's clients behind a proxy do), from this machine to the host only. The pause keeps the load
 * from taking the CPU the apply under test (and the other test files) need; a restart that refuses
 * connections, even for a tenth of a second, still meets several requests. Every answer is judged: a connection error, a timeout, a status
 * other than 200 or a body `accept` refuses is a failure, recorded with when it happened.
 */
import { request } from 'node:http';

export interface LoadFailure {
  /** ms since the load started */
  at: number;
  what: string;
}

export interface LoadResult {
  requests: number;
  failures: LoadFailure[];
  /** bodies seen, with how often (to tell old code from new) */
  bodies: Map<string, number>;
  durationMs: number;
}

export interface Load {
  /** requests answered or failed so far */
  readonly count: number;
  stop(): Promise<LoadResult>;
}

function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function startLoad(url: string, accept: (body: string) => boolean, opts: { parallel?: number; timeoutMs?: number; pauseMs?: number } = {}): Load {
  const parallel = opts.parallel ?? 4;
  const pauseMs = opts.pauseMs ?? 20;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = Date.now();
  const failures: LoadFailure[] = [];
  const bodies = new Map<string, number>();
  let count = 0;
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const answer = await get(url, timeoutMs);
        if (answer.status !== 200) failures.push({ at: Date.now() - started, what: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` });
        else if (!accept(answer.body)) failures.push({ at: Date.now() - started, what: `unexpected body: ${answer.body.slice(0, 200)}` });
        else bodies.set(answer.body, (bodies.get(answer.body) ?? 0) + 1);
      } catch (err) {
        failures.push({ at: Date.now() - started, what: (err as Error).message });
      }
      count++;
      if (running) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: parallel }, () => loop());
  return {
    get count() {
      return count;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return { requests: count, failures, bodies, durationMs: Date.now() - started };
    },
  };
}
