import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import { InputError } from '../core/errors.js';

/** gitignore-syntax patterns at the top of a copied directory, added to the built-in ones. */
export const IGNORE_FILE = '.clamprovisionignore';

/** Left out of every directory copy: version control data, Python's caches, the ignore file itself. */
const DIRECTORY_PATTERNS = ['.git', '.hg', '.svn', '__pycache__', '*.pyc', '*.pyo', '.mypy_cache', '.pytest_cache', '.tox', IGNORE_FILE];

/**
 * Also left out of a service's source: what belongs to the controller, not to a server. The wizard
 * writes its inventory into the source when the source is `.`; no host hands prepare() the
 * inventory's own path, so its usual names stand for it.
 */
const SERVICE_SOURCE_PATTERNS = [
  'node_modules',
  '.env',
  '.env.*',
  '*~',
  '*.swp',
  '*.swo',
  '.#*',
  '\\#*#',
  'inventory.yml',
  'inventory.yaml',
  'inventory.*.yml',
  'inventory.*.yaml',
  '*.inventory.yml',
  '*.inventory.yaml',
  'hosts.yml',
  'hosts.yaml',
  'answers.yml',
  'answers.yaml',
];

/** Which built-in exclusions apply: those of any copied directory, or also those of a service's source. */
export type IgnoreScope = 'directory' | 'service-source';

/** Whether an entry (a '/'-separated path relative to the root) is left out. */
export type IgnoreFilter = (relative: string) => boolean;

/**
 * The one rule set of what is not uploaded from `root` (and so not in the source digest). The
 * ignore file's patterns come after the built-in ones, so `!name` re-includes a built-in exclusion
 * as in gitignore. A virtualenv (a directory holding pyvenv.cfg) is left out of a service's source
 * under any name and whatever the ignore file says: the host builds its own.
 */
export function ignoreFilter(root: string, scope: IgnoreScope): IgnoreFilter {
  const builtIn = scope === 'service-source' ? [...DIRECTORY_PATTERNS, ...SERVICE_SOURCE_PATTERNS] : DIRECTORY_PATTERNS;
  const rules = ignore().add(builtIn).add(readIgnoreFile(root));
  return (relative) => {
    const entry = path.join(root, relative);
    // followed like the digest follows symlinks, so that upload and digest decide alike
    const isDirectory = followedStat(entry)?.isDirectory() ?? false;
    if (isDirectory && scope === 'service-source' && existsSync(path.join(entry, 'pyvenv.cfg'))) return true;
    return rules.ignores(isDirectory ? `${relative}/` : relative);
  };
}

function readIgnoreFile(root: string): string {
  const file = path.join(root, IGNORE_FILE);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    throw new InputError(`cannot read ${file}: ${code ?? (error as Error).message}`);
  }
}

/** The entry a symlink points to; undefined for a dangling one (there is nothing to upload). */
export function followedStat(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
