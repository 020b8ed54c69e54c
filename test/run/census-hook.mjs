/**
 * Loaded into every ava worker by test/run-tests.ts (`--node-arguments=--import=…`): writes down,
 * for the census (census.ts), which tests the worker's file selected to run, and a process.exit()
 * called by a test. Does nothing unless CLAMPROVISION_CENSUS_DIR names a directory.
 *
 * Why here and not elsewhere: ava's TAP does not say how many tests a file has, only what it ran,
 * and counting `test(` in the sources misses loops, skips and conditional registrations. The worker
 * knows exactly: ava's runner sends one `selected-test` message per test it will run, skip or
 * mark todo, before any hook runs. We read those messages on their way out (process.send) and
 * append them to a file of this worker's own, synchronously, so a process.exit() right after
 * loses nothing. This leans on two ava internals (the message shape and lib/worker/options.cjs);
 * if they change, nothing is recorded and the census reports every file as not run: a loud
 * failure, never a silent pass.
 *
 * Plain JavaScript, not TypeScript: node passes `--import` on to worker threads that a test's
 * libraries start (xmllint-wasm's), where tsx's loader is not in place yet to load a .ts file.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** @typedef {import('./census.js').CensusRecord} CensusRecord */

/**
 * @param {string} dir
 * @param {NonNullable<typeof process.send>} send
 */
function install(dir, send) {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${process.pid}.jsonl`);
  // The worker's options (with its test file) are set by ava before its runner selects tests.
  const avaRequire = createRequire(import.meta.resolve('ava'));
  /** @type {string | undefined} */
  let file;
  /** @returns {string} */
  const testFile = () => {
    file ??= avaRequire('../lib/worker/options.cjs').get().file;
    return /** @type {string} */ (file);
  };

  /** @param {unknown} message */
  const observe = (message) => {
    const evt = /** @type {{ava?: {type?: unknown; title?: unknown; skip?: unknown; todo?: unknown}} | null} */ (message)?.ava;
    /** @type {CensusRecord | undefined} */
    let record;
    if (evt?.type === 'selected-test' && typeof evt.title === 'string') {
      record = { kind: 'test', file: testFile(), title: evt.title, skip: evt.skip === true, todo: evt.todo === true };
    } else if (evt?.type === 'process-exit') {
      record = { kind: 'process-exit', file: testFile() };
    }
    if (record) appendFileSync(out, `${JSON.stringify(record)}\n`);
  };

  const original = /** @type {(...args: unknown[]) => boolean} */ (send.bind(process));
  process.send = /** @type {typeof process.send} */ ((/** @type {unknown} */ message, /** @type {unknown[]} */ ...rest) => {
    try {
      observe(message);
    } catch (error) {
      process.stderr.write(`census-hook: cannot record: ${String(error)}\n`);
    }
    return original(message, ...rest);
  });
}

const dir = process.env.CLAMPROVISION_CENSUS_DIR;
if (dir && process.send) install(dir, process.send);
