import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { closest } from '../input/suggest.js';

/**
 * Throws "cannot read FILE: file not found" for a file named on the command line that does not exist,
 * with the nearest file name in its directory, written the way FILE was (so it can be copied).
 */
export function requireFile(file: string, cwd: string = process.cwd()): void {
  const full = path.resolve(cwd, file);
  if (existsSync(full)) return;
  const nearest = closest(path.basename(file), filesIn(path.dirname(full)));
  const hint = nearest === undefined ? '' : ` (did you mean '${path.join(path.dirname(file), nearest)}'?)`;
  throw new InputError(`cannot read ${file}: file not found${hint}`);
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => {
      try {
        return statSync(path.join(dir, name)).isFile();
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}
