import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * The local files a run read (inventory, playbook, templates, uploaded sources), each with the
 * sha256 of what was read: what a saved plan was made from. Only inside logInputReads; outside,
 * noting a read costs nothing.
 */
let active: Map<string, string> | undefined;

export function noteInputRead(file: string, content: string | Uint8Array): void {
  active?.set(resolve(file), createHash('sha256').update(content).digest('hex'));
}

/** work()'s value and the files it read (absolute path -> sha256). */
export function logInputReads<T>(work: () => T): { value: T; reads: Map<string, string> } {
  const outer = active;
  const reads = new Map<string, string>();
  active = reads;
  try {
    return { value: work(), reads };
  } finally {
    active = outer;
  }
}
