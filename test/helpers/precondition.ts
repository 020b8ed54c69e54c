/**
 * A test that needs something of this machine (python3, root, …): registered as it is when that
 * holds, else as a skip whose title says what is missing, so the run shows
 * `ok N - … [skipped: REASON] # SKIP` instead of an "ok" that checked nothing. CI (.ci/run) installs
 * and runs as what these need, so it skips none of them.
 */
import test, { type ExecutionContext } from 'ava';

type Implementation = (t: ExecutionContext) => void | Promise<void>;

export function testIf(holds: boolean, reason: string): (title: string, implementation: Implementation) => void {
  return (title, implementation) => {
    if (holds) test(title, implementation);
    else test.skip(`${title} [skipped: ${reason}]`, implementation);
  };
}
