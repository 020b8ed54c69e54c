import { secrets } from '../core/secrets.js';
import { runState } from '../input/run-memo.js';
import { registerPasswords, type AuthSource } from './access-control.js';
import type { Problems } from './problems.js';
import type { Webserver } from './rules.js';
import type { ParsedService } from './schema.js';
import type { ClamService } from './types.js';

/** What a service's derived values depend on, besides the host's public origin. */
export interface ServiceInputs {
  service: ParsedService;
  index: number;
  raw: Record<string, unknown>;
  inventoryDir: string;
  webserver: Webserver;
  server_side_xslt: boolean;
  auth: AuthSource;
}

interface Derived {
  inputs: ServiceInputs;
  service: ClamService;
}

/** How many derivations of one parsed service are remembered (one per inventory dir and site, usually). */
const REMEMBERED_DERIVATIONS = 8;

/**
 * A service's derived values, reused from an earlier host of this run whose inputs are the very
 * same values (hosts of one group share their group's parse): only the public URL names the host
 * (server_name defaults to its name), so only it and CLAMFORCEURL are made again. A derivation
 * that found problems is not reused: its messages name their host.
 */
export function sharedService(inputs: ServiceInputs, publicOrigin: string, problems: Problems, derive: () => ClamService): ClamService {
  const remembered = runState('derived services', () => new Map<ParsedService, Derived[]>());
  const known = remembered.get(inputs.service) ?? [];
  const hit = known.find((entry) => sameInputs(entry.inputs, inputs));
  if (hit) return forOrigin(hit.service, inputs.service, publicOrigin);
  const before = problems.count;
  const service = derive();
  if (problems.count === before) remembered.set(inputs.service, [{ inputs, service }, ...known].slice(0, REMEMBERED_DERIVATIONS));
  return service;
}

function sameInputs(a: ServiceInputs, b: ServiceInputs): boolean {
  return (
    a.index === b.index &&
    a.raw === b.raw &&
    a.inventoryDir === b.inventoryDir &&
    a.webserver === b.webserver &&
    a.server_side_xslt === b.server_side_xslt &&
    a.auth.auth === b.auth.auth &&
    a.auth.raw === b.auth.raw
  );
}

export function servicePublicUrl(publicOrigin: string, urlPrefix: string): string {
  return `${publicOrigin}${urlPrefix === '/' ? '' : urlPrefix}`;
}

/** An earlier host's service with this host's public URL, in the same places (and its secrets registered, as deriving does). */
function forOrigin(service: ClamService, parsed: ParsedService, publicOrigin: string): ClamService {
  registerPasswords(parsed.auth);
  const public_url = servicePublicUrl(publicOrigin, service.url_prefix);
  for (const secret of service.secrets) secrets.add(service.env[secret]!);
  return { ...service, env: service.is_clam ? { ...service.env, CLAMFORCEURL: public_url } : service.env, public_url };
}
