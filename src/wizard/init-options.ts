import type { CheckServer } from './connection-check.js';
import type { Terminal } from './prompts.js';

// Apart from init.ts, which loads session.ts when it runs: session.ts needs these too.

export interface InitOptions {
  output: string;
  answers?: string;
}

/** Everything `init` touches outside itself, so tests can drive the dialogue through their own streams. */
export interface InitDeps {
  /** default: @inquirer/prompts on stdin/stdout */
  terminal?: Terminal;
  stdinIsTTY: boolean;
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  checkServer: CheckServer;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
