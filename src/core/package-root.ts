import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * clamprovision's own directory (where its package.json, playbooks/ and templates/ are), wherever it
 * is installed: the nearest directory above this code's file that holds a package.json. The same
 * from src/ run by tsx and from the bundled dist/cli.js.
 */
export const PACKAGE_ROOT: string = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`internal error: no package.json above ${start}`);
  }
}
