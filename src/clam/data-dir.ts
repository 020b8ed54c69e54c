import path from 'node:path';

/**
 * Where a service's data may live. The data directory is created and handed to the service user
 * (`chown clam`): anywhere else that could be /etc, /var/lib or root's virtualenv under /opt/clam.
 */
export const DATA_DIR_ROOTS = ['/var/lib/clam', '/srv/clam'] as const;

/** What is wrong with a data_dir (an absolute path the schema took); undefined when nothing. */
export function dataDirProblem(dir: string): string | undefined {
  const trimmed = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
  if (path.posix.normalize(trimmed) !== trimmed) return `must be written without . or .. parts or doubled slashes (${path.posix.normalize(trimmed)})`;
  const root = DATA_DIR_ROOTS.find((candidate) => trimmed.startsWith(`${candidate}/`));
  if (root === undefined) {
    return `must be a directory under ${DATA_DIR_ROOTS.join(' or ')} (it is handed to the service user; elsewhere it could be a system directory or the root-owned code under /opt/clam)`;
  }
  return undefined;
}

/** Whether one data directory holds the other (or they are the same): two services would share their data. */
export function dataDirsOverlap(a: string, b: string): boolean {
  const [x, y] = [a, b].map((dir) => `${dir.replace(/\/+$/, '')}/`);
  return x!.startsWith(y!) || y!.startsWith(x!);
}
