import type { HostFacts } from './host-facts.js';

const snapshots = new WeakMap<HostFacts, object>();

/**
 * Which read of a host a HostFacts is. The facts with late facts added are a copy, yet the same
 * read: a plan-time note about one read (an `apt-get update` an earlier task already plans) is
 * keyed by this, so that it holds for the copy too; the next read of the host is another one.
 */
export function factsSnapshot(facts: HostFacts): object {
  let snapshot = snapshots.get(facts);
  if (!snapshot) {
    snapshot = {};
    snapshots.set(facts, snapshot);
  }
  return snapshot;
}

/** copy (the facts with more added) is the same read of the host as facts. */
export function sameSnapshot(copy: HostFacts, facts: HostFacts): void {
  snapshots.set(copy, factsSnapshot(facts));
}
