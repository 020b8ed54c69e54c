/**
 * Local reads that give the same answer for the whole of one run: a service's source tree (listed,
 * digested, read for upload) is the same for every host that deploys it, so a run with 1,000 hosts
 * reads it once, not 1,000 times. Only inside withRunMemo (prepareRun wraps the compiling of every
 * host in it); outside, every call reads afresh, so that a long-lived caller never sees stale files.
 */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

let active: Map<string, Outcome> | undefined;

export function withRunMemo<T>(work: () => T): T {
  if (active) return work();
  active = new Map();
  try {
    return work();
  } finally {
    active = undefined;
  }
}

/** compute()'s value (or what it threw) for `key`, computed once per run. Callers must not mutate it. */
export function memoizedInRun<T>(key: string, compute: () => T): T {
  if (!active) return compute();
  let outcome = active.get(key);
  if (!outcome) {
    try {
      outcome = { ok: true, value: compute() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    active.set(key, outcome);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value as T;
}

/**
 * State that lives as long as the run (a cache a module fills as it goes), made by `create` at its
 * first use in the run; outside a run, a fresh one on every call, so nothing is kept.
 */
export function runState<T>(key: string, create: () => T): T {
  return memoizedInRun(`state\0${key}`, create);
}
