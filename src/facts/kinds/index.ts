import type { FactKindName, FactRequestOf } from '../host-facts.js';
import type { FactKind } from '../kind.js';
import { fileKind } from './file.js';
import { globKind } from './glob.js';
import { groupKind } from './group.js';
import { listenersKind } from './listeners.js';
import { packagesKind } from './packages.js';
import { pipResolutionKind } from './pip-resolution.js';
import { probeKind } from './probe.js';
import { releasesKind } from './releases.js';
import { serviceKind } from './service.js';
import { treeKind } from './tree.js';
import { ufwKind } from './ufw.js';
import { userKind } from './user.js';
import { venvKind } from './venv.js';

/**
 * The fact kinds, each one file beside this one. To add a kind NAME, write kinds/NAME.ts with:
 * - its request shape and fact types, and a `declare module '../host-facts.js'` block that adds
 *   `NAME: Request` to FactRequestShapes and its slot (e.g. `names: Map<string, NameFact>`) to
 *   HostFacts: declaration merging, so modules read `facts.names` typed, and no shared file lists
 *   the kinds' types;
 * - its FactKind: shell functions, the command per request (or one for all), the parsers of the
 *   records it prints, its empty slot, what a missing answer is called;
 * then list it below (the type of this object makes a declared but unlisted kind a compile error).
 * Modules import its fact types from the kind file.
 *
 * The order is the facts script's: shell functions, and the batched kinds' commands (after the
 * others), come in this order.
 */
export const FACT_KINDS: { readonly [K in FactKindName]: FactKind<K> } = {
  file: fileKind,
  tree: treeKind,
  packages: packagesKind,
  service: serviceKind,
  ufw: ufwKind,
  venv: venvKind,
  user: userKind,
  group: groupKind,
  probe: probeKind,
  glob: globKind,
  listeners: listenersKind,
  releases: releasesKind,
  pip_resolution: pipResolutionKind,
};

/** Every kind, in the registry's order, seen through requests of any kind. */
export const factKinds: readonly FactKind<FactKindName>[] = Object.values(FACT_KINDS);

/** The kind that answers a request. */
export function kindOf<K extends FactKindName>(request: FactRequestOf<K>): FactKind<K> {
  return FACT_KINDS[request.kind];
}
