import os from 'node:os';
import { inputErrorsIn } from '../core/errors.js';
import type { InitDeps, InitOptions } from './init-options.js';
import { ANSWERS_FILE_HELP } from './usage.js';

/** `clamprovision init`: returns the exit code (0 written, 1 bad input, no terminal or nothing written). */
export async function runInit(options: InitOptions, overrides: Partial<InitDeps> = {}): Promise<number> {
  const deps: InitDeps = {
    stdinIsTTY: Boolean(process.stdin.isTTY),
    cwd: process.cwd(),
    home: os.homedir(),
    env: process.env,
    checkServer: async (...args) => (await import('./connection-check.js')).checkServer(...args),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    ...overrides,
  };
  // Decided before loading the prompts, SSH and YAML code: without a terminal, answer at once.
  if (options.answers === undefined && !deps.stdinIsTTY) {
    deps.stderr(ANSWERS_FILE_HELP);
    return 1;
  }
  const session = await import('./session.js');
  const context = { cwd: deps.cwd, home: deps.home };
  try {
    return options.answers === undefined ? await session.interactive(options, deps, context) : session.fromFile(options.answers, options, deps, context);
  } catch (error) {
    const errors = inputErrorsIn(error);
    if (errors) {
      for (const e of errors) deps.stderr(`error: ${e.format()}\n`);
      return 1;
    }
    if ((error as Error)?.name === 'ExitPromptError') {
      deps.stderr('\ninit: interrupted, nothing written\n');
      return 1;
    }
    throw error;
  }
}
