import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * The local files a run read (inventory, playbook, templates, uploaded sources), each with the
 * sha256 of what was read: what a saved plan was made from. Only inside logInputReads; outside,
 * noting a read costs nothing.
 */
interface ReadLog {
  /** absolute path -> sha256 */
  reads: Map<string, string>;
  /** directories whose files are uploaded to the hosts (absolute paths) */
  uploadedTrees: Set<string>;
}

let active: ReadLog | undefined;

export function noteInputRead(file: string, content: string | Uint8Array): void {
  active?.reads.set(resolve(file), createHash('sha256').update(content).digest('hex'));
}

/** A local directory whose files are uploaded (a service's source, a copied directory). */
export function noteUploadedTree(dir: string): void {
  active?.uploadedTrees.add(resolve(dir));
}

/** work()'s value, the files it read and the directories it would upload. */
export function logInputReads<T>(work: () => T): { value: T } & ReadLog {
  const outer = active;
  const log: ReadLog = { reads: new Map(), uploadedTrees: new Set() };
  active = log;
  try {
    return { value: work(), ...log };
  } finally {
    active = outer;
  }
}
