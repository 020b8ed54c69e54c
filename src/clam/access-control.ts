import path from 'node:path';
import { secrets } from '../core/secrets.js';
import { locate } from '../input/yaml-source.js';
import type { Problems } from './problems.js';
import type { ParsedAuth } from './schema.js';
import type { ClamAuth } from './types.js';

/**
 * `auth`: access control at the webserver. A service's own `auth` replaces the host's (`auth: null`
 * on a service opens it); the host's applies to every service, each taking the public paths that lie
 * under its url_prefix.
 */

export interface AuthSource {
  auth: ParsedAuth | null | undefined;
  /** the inventory's mapping, for positions */
  raw: Record<string, unknown> | undefined;
}

/** Every password is a secret, registered for masking before anything can print it. */
export function registerPasswords(auth: ParsedAuth | null | undefined): void {
  for (const password of Object.values(auth?.users ?? {})) secrets.add(password);
}

/** A public path as the webservers match it: no trailing slash; undefined when it is not a plain absolute path. */
function publicPath(value: string): string | undefined {
  const trimmed = value.length > 1 ? value.replace(/\/+$/, '') : value;
  return path.posix.normalize(trimmed) === trimmed ? trimmed : undefined;
}

function under(prefix: string, urlPath: string): boolean {
  return prefix === '/' || urlPath === prefix || urlPath.startsWith(`${prefix}/`);
}

/** The paths as a regular expression (PCRE, for nginx and Apache alike) matching them and below, to be anchored at the start. */
function publicPattern(paths: string[]): string | null {
  if (paths.length === 0) return null;
  const escaped = paths.map((urlPath) => (urlPath === '/' ? '' : urlPath.replace(/[.*+?^()[\]|]/g, '\\$&')));
  return `(?:${escaped.join('|')})(?:/|\\z)`;
}

/** The access control of one service: its own `auth`, else the host's. */
export function serviceAuth(own: AuthSource, host: AuthSource, urlPrefix: string, label: string, problems: Problems): ClamAuth | null {
  const inherited = own.auth === undefined;
  const { auth, raw } = inherited ? host : own;
  if (!auth) return null;
  const paths: string[] = [];
  (auth.public ?? []).forEach((value, index) => {
    const where = locate((raw?.public as object | undefined) ?? {}, index);
    const urlPath = publicPath(value);
    if (urlPath === undefined) {
      // the host's paths are checked once, by checkHostPublicPaths
      if (!inherited) problems.add(`${label}: auth.public '${value}' must be a plain path: no '//', '.' or '..' steps`, where);
    } else if (!under(urlPrefix, urlPath)) {
      if (!inherited) problems.add(`${label}: auth.public '${value}' is not under the service's url_prefix ${urlPrefix}`, where);
    } else if (urlPath === urlPrefix) {
      problems.add(`${label}: auth.public '${value}' is the whole service (its url_prefix): leave auth out instead`, where);
    } else paths.push(urlPath);
  });
  return { users: auth.users ?? null, allow_from: auth.allow_from ?? null, public: paths, public_pattern: publicPattern(paths) };
}

/** The host's public paths: each a plain path under the url_prefix of at least one service. */
export function checkHostPublicPaths(host: AuthSource, prefixes: string[], problems: Problems): void {
  (host.auth?.public ?? []).forEach((value, index) => {
    const where = locate((host.raw?.public as object | undefined) ?? {}, index);
    const urlPath = publicPath(value);
    if (urlPath === undefined) problems.add(`auth.public '${value}' must be a plain path: no '//', '.' or '..' steps`, where);
    else if (!prefixes.some((prefix) => under(prefix, urlPath))) problems.add(`auth.public '${value}' is under no service's url_prefix (${prefixes.join(', ')})`, where);
  });
}
