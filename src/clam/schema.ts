import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { BCRYPT_MAX_BYTES } from '../modules/htpasswd.js';
import { configPath, configPathOrRelative, configUrlPath, configWord } from './config-value.js';
import { dataDirProblem } from './data-dir.js';
import { firewallRangeProblem } from './firewall-rule.js';
import { httpUrl, numeric, PIP_REQUIREMENT, PIP_REQUIREMENT_RULE, port, SERVICE_NAME, WEBSERVERS } from './rules.js';

/** The shape of the CLAM playbook's variables (`vars_schema: clam`), per the SPEC's tables: what zod checks. */

const count = numeric(z.int().min(1).max(1024));
// YAML 1.2 reads `yes`/`no` as strings; Ansible users write them for booleans.
const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  return ['true', 'yes', 'on'].includes(lower) ? true : ['false', 'no', 'off'].includes(lower) ? false : value;
}, z.boolean());
const text = z.string().min(1);
const remoteDir = configPath().refine((value) => path.posix.normalize(value).replace(/\/$/, '') !== '', { error: 'must not be / itself' });
const dataDir = configPath().check((ctx) => {
  const problem = dataDirProblem(ctx.value);
  if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});
const envValue = z
  .union([z.string(), z.number()], { error: 'must be a string (quote it) or a number' })
  .transform(String)
  .refine((value) => !/[\n\r\0]/.test(value), { error: 'must be a single line' });

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name (letters, digits and _, not starting with a digit)' })
  // uWSGI reads UWSGI_* from its environment as options (an HTTP socket on 0.0.0.0, a hook)
  .refine((name) => !/^UWSGI_/i.test(name), { error: 'is read by uWSGI as one of its options: a service\'s env may not set UWSGI_* variables' });

const SIZE = 'must be a size like 1g, 500m or 1048576';

export const SERVICE_KEYS = [
  'name', 'source', 'wsgi', 'url_prefix', 'uwsgi_port', 'processes', 'threads', 'pip_packages',
  'env', 'data_dir', 'static', 'client_max_body_size', 'secrets', 'apt_packages', 'request_timeout', 'clam', 'keep_releases', 'auth',
] as const;

export const AUTH_KEYS = ['users', 'allow_from', 'public'] as const;
export const TLS_KEYS = ['cert', 'key', 'acme', 'hsts'] as const;
export const ACME_KEYS = ['email', 'directory', 'ca_bundle'] as const;

/** `tls.acme.directory` by name; any other value is the https URL of an ACME directory. */
export const ACME_DIRECTORIES: Record<string, string> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

/** A certificate from an ACME CA (Let's Encrypt by default), obtained and renewed by certbot on the host. */
const acmeSchema = z.strictObject({
  email: z.email({ error: "must be an email address: the ACME account's contact, which gets the CA's expiry notices" }),
  directory: z
    .string()
    .refine((value) => Object.hasOwn(ACME_DIRECTORIES, value) || /^https:\/\/[^\s/?#'"\\]+(\/[^\s'"\\]*)?$/.test(value), {
      error: `must be ${Object.keys(ACME_DIRECTORIES).join(', ')} or the https URL of an ACME directory`,
    })
    .optional(),
  ca_bundle: text.optional(),
});

const hstsSchema = z.preprocess(
  (value) => (typeof value === 'string' && /^(true|yes|on|false|no|off)$/i.test(value) ? /^(true|yes|on)$/i.test(value) : value),
  z.union([z.boolean(), z.int().min(1).max(2 ** 31 - 1)], { error: 'must be true (two years), false, or a max-age in seconds like 31536000' }),
);

const tlsSchema = z
  .strictObject({ cert: text.optional(), key: text.optional(), acme: acmeSchema.optional(), hsts: hstsSchema.optional() })
  .superRefine((tls, ctx) => {
    if (tls.acme !== undefined) {
      for (const key of ['cert', 'key'] as const) {
        if (tls[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is for a certificate of your own; with acme the certificate comes from the ACME CA (leave cert and key out)' });
      }
    } else if (tls.cert === undefined && tls.key === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs cert and key (a certificate of your own, files on this machine) or acme: {email: …} (a certificate from Let\'s Encrypt)' });
    } else {
      // one of the pair: reported as the other one missing
      for (const key of ['cert', 'key'] as const) if (tls[key] === undefined) ctx.addIssue({ code: 'invalid_type', expected: 'string', path: [key], input: undefined });
    }
  })
  .nullable();

/** HTTP Basic users at the webserver: a name of the htpasswd file and of the authenticated user's header. */
const authUser = configWord().refine((name) => !name.includes(':'), { error: "must not hold ':' (it ends the name in the htpasswd file)" });
const authPassword = z
  .union([z.string(), z.number()], { error: 'must be a string: the password, from an environment variable like "${ALICE_PASSWORD}"' })
  .transform(String)
  .refine((password) => password !== '', { error: 'is empty' })
  .refine((password) => Buffer.byteLength(password) <= BCRYPT_MAX_BYTES, { error: `is longer than ${BCRYPT_MAX_BYTES} bytes, of which bcrypt would use only the first ${BCRYPT_MAX_BYTES}` });

/** Access control at the webserver, for a service or (in host vars) for every service of the host. */
const authSchema = z
  .strictObject({
    users: z.record(authUser, authPassword).refine((users) => Object.keys(users).length > 0, { error: 'must name at least one user' }).optional(),
    allow_from: z
      .array(
        z
          .string()
          .refine(isAddressOrCidr, { error: 'must be an IP address or a network like 10.0.0.0/8', abort: true })
          .refine((value) => networkOf(value) === value, { error: (issue) => `must name a network by its first address: ${networkOf(String(issue.input))}` }),
      )
      .min(1)
      .optional(),
    public: z.array(configUrlPath()).min(1).optional(),
  })
  .refine((auth) => auth.users !== undefined || auth.allow_from !== undefined, { error: 'needs users, allow_from or both (public only lists the paths they do not apply to)' })
  .nullable();

const aptPackage = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, { error: 'must be a Debian package name like poppler-utils' });

const serviceSchema = z.strictObject({
  name: z.string().regex(SERVICE_NAME, { error: 'must consist of letters, digits and _ only (it names the systemd unit and the paths on the host)' }),
  source: text.nullish(),
  wsgi: text.pipe(configPathOrRelative()),
  url_prefix: z.string().optional(),
  uwsgi_port: port.optional(),
  processes: count.optional(),
  threads: count.optional(),
  pip_packages: z.array(z.string().regex(PIP_REQUIREMENT, { error: PIP_REQUIREMENT_RULE })).optional(),
  env: z.record(envName, envValue).optional(),
  data_dir: dataDir.optional(),
  static: z.strictObject({ url: configUrlPath(), dir: remoteDir }).nullable().optional(),
  client_max_body_size: z
    .union([z.string().regex(/^\d+[kKmMgG]?$/, { error: SIZE }), z.int().min(0, { error: SIZE })], { error: SIZE })
    .transform(String)
    .optional(),
  secrets: z.array(text).optional(),
  apt_packages: z.array(aptPackage).optional(),
  request_timeout: numeric(z.int().min(1).max(86400)).optional(),
  clam: flag.optional(),
  keep_releases: numeric(z.int().min(1, { error: 'must be at least 1 (the release that runs)' }).max(100)).optional(),
  auth: authSchema.optional(),
});

export const varsSchema = z.object({
  webserver: z.enum(WEBSERVERS).optional(),
  server_name: configWord().optional(),
  http_port: port.optional(),
  tls: tlsSchema.optional(),
  firewall: flag.optional(),
  firewall_allow: z
    .array(
      z.union([z.string(), z.int()], { error: 'must be a firewall rule like "8443/tcp"' }).transform(String).pipe(
        z
          .string()
          .regex(/^\d{1,5}(:\d{1,5})?(\/(tcp|udp))?$/, { error: 'must be a firewall rule: PORT, PORT/tcp, PORT/udp or FROM:TO/tcp' })
          .check((ctx) => {
            const problem = firewallRangeProblem(ctx.value);
            if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
          }),
      ),
    )
    .optional(),
  pip_index_url: httpUrl('must be an http(s) URL').nullish(),
  pip_trusted_host: configWord().nullish(),
  public_url: httpUrl('must be an http(s) URL like https://clam.example.org')
    .refine((value) => /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/.test(value), {
      error: 'must be only scheme, host and port, like https://clam.example.org (the url_prefix of each service is added to it)',
    })
    .nullish(),
  trusted_proxies: z.array(z.string().refine(isAddressOrCidr, { error: 'must be an IP address or a network like 10.0.0.0/8' })).optional(),
  server_side_xslt: flag.optional(),
  nginx_extra: z.string().optional(),
  apache_extra: z.string().optional(),
  auth: authSchema.optional(),
  services: z.array(serviceSchema).min(1, { error: 'must list at least one webservice' }),
});

/** The host-level variables the schema reads (everything else in the inventory is left alone). */
export const HOST_VARIABLE_KEYS = Object.keys(varsSchema.shape);

export type ParsedVars = z.infer<typeof varsSchema>;
export type ParsedService = z.infer<typeof serviceSchema>;
export type ParsedAuth = NonNullable<z.infer<typeof authSchema>>;
export type ParsedTls = NonNullable<z.infer<typeof tlsSchema>>;

function isAddressOrCidr(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  // a zone (fe80::1%eth0) is valid for Node, not for nginx's geo or Apache's -R
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^(0|[1-9]\d{0,2})$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** `10.1.2.3/8` -> `10.0.0.0/8`: the network without its host bits (a checked address or CIDR; an address stays as it is). */
function networkOf(value: string): string {
  const [address = '', bits] = value.split('/');
  if (bits === undefined) return value;
  const v4 = isIP(address) === 4;
  const bytes = v4 ? address.split('.').map(Number) : ipv6Bytes(address);
  const keep = Number(bits);
  const masked = bytes.map((byte, index) => byte & (0xff << Math.max(0, Math.min(8, 8 - (keep - index * 8)))) & 0xff);
  if (masked.every((byte, index) => byte === bytes[index])) return value;
  if (v4) return `${masked.join('.')}/${bits}`;
  const groups = Array.from({ length: 8 }, (_, index) => ((masked[2 * index]! << 8) | masked[2 * index + 1]!).toString(16));
  return `${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${bits}`;
}

function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => (group.includes('.') ? group.split('.').map(Number).reduce<number[]>((words, byte, index) => (index % 2 ? [...words.slice(0, -1), (words.at(-1)! << 8) | byte] : [...words, byte]), []) : [parseInt(group, 16)]));
  const start = groups(head);
  const end = tail === undefined ? [] : groups(tail);
  const words = [...start, ...Array(8 - start.length - end.length).fill(0), ...end];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}
