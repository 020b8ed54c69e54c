/**
 * The facts' types, for modules: requests, HostFacts and the facts of the built-in kinds (a kind
 * added later is imported from its own file, src/facts/kinds/NAME.ts).
 */
export type { FactKindName, FactRequest, FactRequestOf, HostFacts, OsFact, PreludeFacts } from './host-facts.js';
export type { FileFact, FileType } from './kinds/file.js';
export type { GroupFact } from './kinds/group.js';
export type { PackageFact } from './kinds/packages.js';
export type { ServiceFact } from './kinds/service.js';
export type { TreeEntry, TreeFact } from './kinds/tree.js';
export type { UfwFact, UfwRule } from './kinds/ufw.js';
export type { UserFact } from './kinds/user.js';
export type { VenvFact } from './kinds/venv.js';
