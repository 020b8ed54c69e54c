/**
 * A small ava project of its own, run by this repository's ava: for tests of what the suite leans on
 * in ava's workers (the census hook, the fault tests' temporary files).
 */
import { spawn } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';

import { ROOT } from '../run/report.js';
import { tempTree } from '../unit/input/temp-files.js';

/** A fresh directory with `files` (relative path -> content) whose `t/**\/*.test.ts` ava runs as the suite's. */
export function avaProject(files: Record<string, string>): string {
  const dir = tempTree({
    'package.json': JSON.stringify({
      type: 'module',
      // ava's default timeout (10 s without a result) is shorter than loading tsx in a worker can
      // take on a busy machine: then ava stops the workers and no file has run
      ava: { files: ['t/**/*.test.ts'], extensions: { ts: 'module' }, nodeArguments: ['--import=tsx'], workerThreads: false, timeout: '5m' },
    }),
    ...files,
  });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Runs ava in the project with `args` (and --tap): its TAP and exit code. */
export function runAva(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ tap: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'ava'), ['--tap', ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let tap = '';
    child.stdout.on('data', (chunk: Buffer) => (tap += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ tap, code }));
  });
}
