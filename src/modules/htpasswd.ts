import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { defineModule } from './types.js';
import { needFact } from './lib/facts.js';
import { planFileContent } from './lib/file-content.js';
import { absolutePathSchema, accountNameSchema, modeSchema } from './lib/mode.js';

/**
 * `htpasswd`: an HTTP Basic user file (`NAME:BCRYPT_HASH` lines) for nginx's auth_basic and Apache's
 * mod_authn_file, hashed on the controller. A bcrypt hash is salted, so the same password hashes
 * differently each time: a line of the host's file whose hash verifies the wanted password is kept
 * byte for byte, and only a new user or a changed password gets a new hash. Neither hashes nor
 * passwords are ever shown: the plan names the users whose lines change, and has no diff.
 */

/** What `htpasswd -B` of Apache writes; nginx (libxcrypt) and Apache (apr-util) both verify `$2y$`. */
const HASH_PREFIX = '$2y$';
/**
 * The webserver verifies the hash on every request that carries credentials (neither caches it), so
 * the cost is paid per request: 10 is bcrypt's usual default, a few milliseconds in C.
 */
export const BCRYPT_COST = 10;
/** bcrypt reads only the first 72 bytes of a password. */
export const BCRYPT_MAX_BYTES = 72;

export const HTPASSWD_USER = /^[^:\s\p{Cc}]+$/u;

const schema = z.strictObject({
  path: absolutePathSchema,
  /** user name -> password (secrets, masked in every output) */
  users: z.record(z.string().regex(HTPASSWD_USER, 'not a user name (no ":" or spaces)'), z.string().min(1)),
  mode: modeSchema.optional(),
  owner: accountNameSchema.optional(),
  group: accountNameSchema.optional(),
});

export type HtpasswdArgs = z.output<typeof schema>;

/** The host's lines by user name (the last one of a name counts, as with the webservers' readers). */
export function htpasswdLines(content: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of content.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) lines.set(line.slice(0, colon), line);
  }
  return lines;
}

function verifies(password: string, line: string): boolean {
  const hash = line.slice(line.indexOf(':') + 1);
  try {
    return hash.startsWith('$2') && bcrypt.compareSync(password, hash);
  } catch {
    return false;
  }
}

export function hashPassword(password: string): string {
  return bcrypt.hashSync(password, bcrypt.genSaltSync(BCRYPT_COST).replace(/^\$2[ab]\$/, HASH_PREFIX));
}

export const htpasswd = defineModule({
  name: 'htpasswd',
  schema,
  facts: (args) => [{ kind: 'file', path: args.path, content: true }],
  plan(args, facts) {
    const fact = needFact(facts.files, args.path, 'file');
    const current = htpasswdLines(fact.exists && fact.content ? fact.content.toString('utf8') : '');
    const users: string[] = [];
    const lines = Object.entries(args.users).map(([name, password]) => {
      const line = current.get(name);
      if (line !== undefined && verifies(password, line)) return line;
      users.push(`user ${name}: ${line === undefined ? 'added' : 'password changed'}`);
      return `${name}:${hashPassword(password)}`;
    });
    for (const name of current.keys()) if (!(name in args.users)) users.push(`user ${name}: removed`);

    const change = planFileContent({ path: args.path, content: Buffer.from(`${lines.join('\n')}\n`), mode: args.mode, owner: args.owner, group: args.group }, fact);
    if (change === null) return null;
    // the diff would show the hashes
    const { diff: _hashes, ...withoutDiff } = change;
    return { ...withoutDiff, summary: [...change.summary, ...users.map((line) => `${args.path}: ${line}`)] };
  },
});
