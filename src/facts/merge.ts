import type { FactRequest } from './host-facts.js';
import { factKinds, kindOf } from './kinds/index.js';

/**
 * One request per thing, as each kind says what is the same thing (a file asked for with and
 * without its content is asked once with it; all package names go into one request). Requests keep
 * the order they were first asked in; those of the batched kinds (read together, at the end of the
 * script) come last, in the registry's order.
 */
export function mergeFactRequests(requests: readonly FactRequest[]): FactRequest[] {
  const byKey = new Map<string, FactRequest>();
  for (const request of requests) {
    const kind = kindOf(request);
    const key = `${request.kind}\0${kind.key(request)}`;
    byKey.set(key, kind.combine ? kind.combine(byKey.get(key), request) : request);
  }
  const merged = [...byKey.values()].filter((request) => !kindOf(request).asksNothing?.(request));
  const batched = new Set(factKinds.filter((kind) => kind.batched).map((kind) => kind.name));
  return [
    ...merged.filter((request) => !batched.has(request.kind)),
    ...factKinds.flatMap((kind) => (kind.batched ? merged.filter((request) => request.kind === kind.name) : [])),
  ];
}
