import { accessSync, constants } from 'node:fs';

/** True when this process may execute `file` (a vault password script, a program on PATH). */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
