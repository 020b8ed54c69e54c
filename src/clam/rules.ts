import path from 'node:path';
import { z } from 'zod';

/**
 * The rules of CLAM's variables, shared by the schema (src/clam/schema.ts) and the wizard
 * (src/wizard/rules.ts), so an answer the wizard takes is one the inventory check takes too.
 */

export const WEBSERVERS = ['nginx', 'apache-uwsgi', 'apache-wsgi'] as const;
export type Webserver = (typeof WEBSERVERS)[number];

/** A service's name: it names the systemd unit clam-NAME and the paths on the host. */
export const SERVICE_NAME = /^[A-Za-z0-9_]+$/;

export { CONFIG_WORD, CONFIG_WORD_RULE } from './config-value.js';

// Not an option (`--index-url=…`, `-r file`): pip would take it for one.
export const PIP_REQUIREMENT = /^[^\s'"\\-][^\s'"\\]*( *[<>=!~;,[\]][^'"\\\p{Cc}]*)?$/u;
export const PIP_REQUIREMENT_RULE = 'must be a pip requirement like `clam` or `clam>=3.2` (not a pip option: no leading -)';

// Values from `${NAME}` arrive as strings; numbers written as numbers are fine too.
export const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value), schema);
export const port = numeric(z.int().min(1).max(65535));

export const httpUrl = (error: string) => z.url({ protocol: /^https?$/, error });

/** A DNS name an ACME CA can validate: labels of letters, digits and -, no IP address. */
export function isDnsName(name: string): boolean {
  return /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(name) && !/^[\d.]+$/.test(name);
}

/** What is wrong with a URL prefix, after its name ("must start with a slash, e.g. '/x'"); undefined when nothing. */
export function urlPrefixRule(prefix: string): string | undefined {
  if (!prefix.startsWith('/')) return `must start with a slash, e.g. '/${prefix}'`;
  if (prefix !== '/' && prefix.endsWith('/')) return `must not end with a slash (write '${prefix.replace(/\/+$/, '')}')`;
  if (!/^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/.test(prefix)) return 'may only hold letters, digits, . _ ~ - between single slashes';
  return undefined;
}

/** Whether a WSGI script's path, relative to the source directory, leads out of it. */
export function leavesSourceDir(relative: string): boolean {
  const normalized = path.posix.normalize(relative);
  return normalized === '..' || normalized.startsWith('../');
}
