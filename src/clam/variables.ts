import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { byLocation, InputError, throwIfAny, type SourceLocation } from '../core/errors.js';
import { secrets } from '../core/secrets.js';
import { didYouMean } from '../input/suggest.js';
import { locate, locateKey, locatePath, registerLocation } from '../input/yaml-source.js';
import { localPath, unreadableFile } from '../inventory/connection.js';
import { listSourceFiles, sourceDigest } from './source-tree.js';

/** Variables of the built-in CLAM playbook (`vars_schema: clam`), per the SPEC's tables. */

export const WEBSERVERS = ['nginx', 'apache-uwsgi', 'apache-wsgi'] as const;
export type Webserver = (typeof WEBSERVERS)[number];

const FIRST_UWSGI_PORT = 8888;
const HTTPS_PORT = 443;

// Values from `${NAME}` arrive as strings; numbers written as numbers are fine too.
const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value), schema);
const port = numeric(z.int().min(1).max(65535));
const count = numeric(z.int().min(1).max(1024));
// YAML 1.2 reads `yes`/`no` as strings; Ansible users write them for booleans.
const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  return ['true', 'yes', 'on'].includes(lower) ? true : ['false', 'no', 'off'].includes(lower) ? false : value;
}, z.boolean());
const text = z.string().min(1);
// One line, no characters that would end a directive in nginx/Apache/uWSGI/systemd files.
const configWord = z.string().regex(/^[^\s;{}"'\\#<>]+$/, { error: 'must be a single word without spaces, quotes, ; { } # < > or backslashes' });
const remoteDir = z
  .string()
  .regex(/^\/[^\s;{}"'\\#<>]*$/, { error: 'must be an absolute path on the host (starting with /) without spaces or quotes' })
  .refine((value) => path.posix.normalize(value).replace(/\/$/, '') !== '', { error: 'must not be / itself' });
const envValue = z
  .union([z.string(), z.number()], { error: 'must be a string (quote it) or a number' })
  .transform(String)
  .refine((value) => !/[\n\r\0]/.test(value), { error: 'must be a single line' });

const SIZE = 'must be a size like 1g, 500m or 1048576';

export const SERVICE_KEYS = [
  'name', 'source', 'wsgi', 'url_prefix', 'uwsgi_port', 'processes', 'threads', 'pip_packages',
  'env', 'data_dir', 'static', 'client_max_body_size', 'secrets', 'apt_packages', 'request_timeout', 'clam',
] as const;

/** Debian packages a CLAM service needs at run time: lxml's libraries, CLAM's archivers and converters. */
export const CLAM_APT_PACKAGES = ['libxml2', 'libxslt1.1', 'zip', 'bzip2', 'poppler-utils', 'catdoc'];
/** nginx's XSLT filter, for rendering CLAM's interface on the server. */
export const NGINX_XSLT_PACKAGE = 'libnginx-mod-http-xslt-filter';
const DEFAULT_REQUEST_TIMEOUT = 600;
const aptPackage = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, { error: 'must be a Debian package name like poppler-utils' });

const serviceSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_]+$/, { error: 'must consist of letters, digits and _ only (it names the systemd unit and the paths on the host)' }),
  source: text.nullish(),
  wsgi: text,
  url_prefix: z.string().optional(),
  uwsgi_port: port.optional(),
  processes: count.optional(),
  threads: count.optional(),
  pip_packages: z.array(z.string().regex(/^[^\s'"\\]+( *[<>=!~;,[\]][^'"\\]*)?$/, { error: 'must be a pip requirement like `clam` or `clam>=3.2`' })).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name (letters, digits and _, not starting with a digit)' }), envValue).optional(),
  data_dir: remoteDir.optional(),
  static: z.strictObject({ url: z.string().regex(/^\/[^\s;{}"'\\#<>]*$/, { error: 'must be a URL path starting with /' }), dir: remoteDir }).nullable().optional(),
  client_max_body_size: z
    .union([z.string().regex(/^\d+[kKmMgG]?$/, { error: SIZE }), z.int().min(0, { error: SIZE })], { error: SIZE })
    .transform(String)
    .optional(),
  secrets: z.array(text).optional(),
  apt_packages: z.array(aptPackage).optional(),
  request_timeout: numeric(z.int().min(1).max(86400)).optional(),
  clam: flag.optional(),
});

const varsSchema = z.object({
  webserver: z.enum(WEBSERVERS).optional(),
  server_name: configWord.optional(),
  http_port: port.optional(),
  tls: z.strictObject({ cert: text, key: text }).nullable().optional(),
  firewall: flag.optional(),
  firewall_allow: z
    .array(
      z.union([z.string(), z.int()], { error: 'must be a firewall rule like "8443/tcp"' }).transform(String).pipe(
        z.string().regex(/^\d{1,5}(:\d{1,5})?(\/(tcp|udp))?$/, { error: 'must be a firewall rule: PORT, PORT/tcp, PORT/udp or FROM:TO/tcp' }),
      ),
    )
    .optional(),
  pip_index_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullish(),
  pip_trusted_host: configWord.nullish(),
  public_url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL like https://clam.example.org' })
    .refine((value) => /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/.test(value), {
      error: 'must be only scheme, host and port, like https://clam.example.org (the url_prefix of each service is added to it)',
    })
    .nullish(),
  trusted_proxies: z.array(z.string().refine(isAddressOrCidr, { error: 'must be an IP address or a network like 10.0.0.0/8' })).optional(),
  server_side_xslt: flag.optional(),
  nginx_extra: z.string().optional(),
  apache_extra: z.string().optional(),
  services: z.array(serviceSchema).min(1, { error: 'must list at least one webservice' }),
});

/** The host-level variables the schema reads (everything else in the inventory is left alone). */
export const HOST_VARIABLE_KEYS = Object.keys(varsSchema.shape);

type ParsedVars = z.infer<typeof varsSchema>;
type ParsedService = z.infer<typeof serviceSchema>;

export interface ClamStatic {
  url: string;
  dir: string;
}

export interface ClamService {
  name: string;
  source: string | null;
  source_is_package: boolean;
  source_digest: string | null;
  wsgi: string;
  url_prefix: string;
  uwsgi_port: number;
  processes: number;
  threads: number;
  pip_packages: string[];
  env: Record<string, string>;
  data_dir: string;
  static: ClamStatic | null;
  client_max_body_size: string;
  secrets: string[];
  apt_packages: string[];
  /** seconds the webserver waits for the service (long uploads, archives built on request) */
  request_timeout: number;
  /** a CLAM webservice: CLAM's health check, public URL, secrets and packages apply */
  is_clam: boolean;
  /** where users reach it: scheme://host[:port]/prefix (no trailing slash) */
  public_url: string;
  /** CLAM's interface rendered to HTML by nginx's XSLT filter for browsers */
  server_side_xslt: boolean;
  venv: string;
  src_dir: string;
  config_dir: string;
  /** the WSGI entry point every webserver mode runs: sets the environment, then runs `wsgi` */
  entry_point: string;
  env_file: string;
  /** CLAM's SECRET_KEY and PRIVATEACCESSTOKEN, generated on the host once */
  clam_secrets_file: string;
  unit: string;
}

export interface ClamVars {
  webserver: Webserver;
  server_name: string;
  http_port: number;
  tls: { cert: string; key: string } | null;
  firewall: boolean;
  firewall_allow: string[];
  pip_index_url: string | null;
  pip_trusted_host: string | null;
  /** scheme://host[:port] users reach this host's services at */
  public_origin: string;
  public_scheme: 'http' | 'https';
  /** host[:port] of public_origin: what the webserver sends as X-Forwarded-Host */
  public_authority: string;
  trusted_proxies: string[];
  server_side_xslt: boolean;
  nginx_extra: string;
  apache_extra: string;
  services: ClamService[];
  /** Debian packages of the services (CLAM's runtime, apt_packages, nginx's XSLT filter) */
  service_apt_packages: string[];
  /** what the plain-WSGI services' health check fetches on the host */
  health_urls: string[];
  /** the CLAM services' health checks (see src/clam/health-check.ts) */
  clam_checks: Array<Record<string, unknown>>;
}

export interface ClamHost {
  name: string;
  inventoryDir: string;
  /** Where the host is declared: the position for errors about variables it lacks. */
  location?: SourceLocation;
}

/**
 * Validates the CLAM playbook's variables of one host and returns a new vars object: the input
 * plus defaults and derived values (see ClamVars). Throws InputErrors pointing at file:line:col.
 */
export function normalizeClamVars(vars: Record<string, unknown>, host: ClamHost): Record<string, unknown> {
  const problems = new Problems(vars, host);
  const parsed = varsSchema.safeParse(vars, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.fromIssue(issue);
    problems.throwIfAny();
  }
  const clam = buildClamVars(parsed.data!, vars, host, problems);
  problems.throwIfAny();

  const result: Record<string, unknown> = { ...vars, ...clam };
  for (const key of Object.keys(vars)) registerLocation(result, key, locate(vars, key));
  return result;
}

function buildClamVars(data: ParsedVars, raw: Record<string, unknown>, host: ClamHost, problems: Problems): ClamVars {
  const rawServices = raw.services as Array<Record<string, unknown>>;
  const webserver = data.webserver ?? 'nginx';
  const http_port = data.http_port ?? 80;
  const tls = data.tls ? readTls(data.tls, raw.tls as Record<string, unknown>, host, problems) : null;
  const server_name = data.server_name ?? host.name;
  const public_origin = (data.public_url ?? defaultOrigin(server_name, http_port, tls !== null)).replace(/\/$/, '');
  const public_scheme = public_origin.startsWith('https:') ? 'https' : 'http';
  const public_authority = public_origin.replace(/^https?:\/\//, '');

  if (data.server_side_xslt === true && webserver !== 'nginx') {
    problems.add(`server_side_xslt: rendering CLAM's interface on the server needs nginx's XSLT filter; Apache has none (set it to false, or use webserver: nginx)`, locate(raw, 'server_side_xslt'));
  }
  const server_side_xslt = data.server_side_xslt ?? webserver === 'nginx';

  const site = { webserver, public_origin, server_side_xslt };
  const services = data.services.map((service, index) => buildService(service, index, rawServices[index]!, host, site, problems));
  checkUniqueness(services, rawServices, webserver, http_port, tls !== null, sshPort(raw), problems);

  // Checked on the host itself, following no redirects. With tls, HTTP only redirects, so the
  // check asks HTTPS on 443 directly (curl -k: the certificate names server_name, not 127.0.0.1).
  // It must send `Host: server_name`, or a default site of the webserver may answer instead.
  const base = tls ? `https://127.0.0.1:${HTTPS_PORT}` : `http://127.0.0.1:${http_port}`;
  const localUrl = (service: ClamService) => `${base}${service.url_prefix === '/' ? '' : service.url_prefix}/`;
  const health_urls = services.filter((service) => !service.is_clam).map(localUrl);
  const clam_checks = services
    .filter((service) => service.is_clam)
    .map((service) => ({
      name: service.name,
      args: {
        url: localUrl(service),
        host_header: server_name,
        public_url: service.public_url,
        venv: service.venv,
        env_file: service.env_file,
        wsgi: service.wsgi,
        user: 'clam',
      },
    }));
  const anyClam = services.some((service) => service.is_clam);
  const service_apt_packages = [
    ...new Set([
      ...(anyClam ? CLAM_APT_PACKAGES : []),
      ...(webserver === 'nginx' && services.some((service) => service.server_side_xslt) ? [NGINX_XSLT_PACKAGE] : []),
      ...services.flatMap((service) => service.apt_packages),
    ]),
  ];

  return {
    webserver,
    server_name,
    http_port,
    tls,
    firewall: data.firewall ?? true,
    firewall_allow: data.firewall_allow ?? [],
    pip_index_url: data.pip_index_url ?? null,
    pip_trusted_host: data.pip_trusted_host ?? null,
    public_origin,
    public_scheme,
    public_authority,
    trusted_proxies: data.trusted_proxies ?? [],
    server_side_xslt,
    nginx_extra: data.nginx_extra ?? '',
    apache_extra: data.apache_extra ?? '',
    services,
    service_apt_packages,
    health_urls,
    clam_checks,
  };
}

function readTls(tls: { cert: string; key: string }, raw: Record<string, unknown>, host: ClamHost, problems: Problems): { cert: string; key: string } {
  const resolved = { cert: localPath(tls.cert, host.inventoryDir), key: localPath(tls.key, host.inventoryDir) };
  for (const which of ['cert', 'key'] as const) {
    const problem = unreadableFile(resolved[which]);
    const what = which === 'cert' ? 'certificate' : 'private key';
    if (problem) problems.add(`tls.${which}: the TLS ${what} file ${resolved[which]} ${problem}`, locate(raw, which));
  }
  if (unreadableFile(resolved.key) === undefined) registerPrivateKey(resolved.key);
  return resolved;
}

// The key is uploaded to the host; a diff of it shows it line by line, so every line is a secret.
function registerPrivateKey(file: string): void {
  const content = readFileSync(file, 'utf8');
  secrets.add(content.trim());
  for (const line of content.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) secrets.add(line.trim());
}

/** The URL users type for this host: the port only when it is not the scheme's default. */
function defaultOrigin(serverName: string, httpPort: number, tls: boolean): string {
  if (tls) return `https://${serverName}`;
  return httpPort === 80 ? `http://${serverName}` : `http://${serverName}:${httpPort}`;
}

function isAddressOrCidr(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  // a zone (fe80::1%eth0) is valid for Node, not for nginx's geo or Apache's -R
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

interface SiteSettings {
  webserver: Webserver;
  public_origin: string;
  server_side_xslt: boolean;
}

function buildService(service: ParsedService, index: number, raw: Record<string, unknown>, host: ClamHost, site: SiteSettings, problems: Problems): ClamService {
  const name = service.name;
  const label = `service '${name}'`;
  const home = `/opt/clam/${name}`;
  const src_dir = `${home}/src`;

  let source: string | null = null;
  if (service.source) {
    source = localPath(service.source, host.inventoryDir);
    if (!isDirectory(source)) {
      const why = existsSync(source) ? 'is not a directory' : 'does not exist';
      problems.add(`${label}: source directory ${source} ${why} (relative paths are taken from the inventory's directory ${host.inventoryDir})`, locate(raw, 'source'));
      source = null;
    }
  }

  let wsgi = service.wsgi;
  if (!path.posix.isAbsolute(wsgi)) {
    const relative = path.posix.normalize(wsgi);
    if (service.source === undefined || service.source === null) {
      problems.add(`${label}: wsgi '${wsgi}' is relative, which needs a 'source' directory to find it in (or give an absolute path on the host)`, locate(raw, 'wsgi'));
    } else if (relative.startsWith('../')) {
      problems.add(`${label}: wsgi '${wsgi}' points outside the source directory`, locate(raw, 'wsgi'));
    } else if (source !== null && !isFile(path.join(source, relative))) {
      problems.add(`${label}: WSGI script '${wsgi}' not found in source directory ${source}`, locate(raw, 'wsgi'));
    }
    wsgi = `${src_dir}/${relative}`;
  }

  const url_prefix = service.url_prefix ?? '/';
  if (service.url_prefix !== undefined) {
    const where = locate(raw, 'url_prefix');
    if (!url_prefix.startsWith('/')) problems.add(`${label}: url_prefix '${url_prefix}' must start with a slash, e.g. '/${url_prefix}'`, where);
    else if (url_prefix !== '/' && url_prefix.endsWith('/')) problems.add(`${label}: url_prefix '${url_prefix}' must not end with a slash (write '${url_prefix.replace(/\/+$/, '')}')`, where);
    else if (!/^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/.test(url_prefix)) problems.add(`${label}: url_prefix '${url_prefix}' may only hold letters, digits, . _ ~ - between single slashes`, where);
  }

  const pip_packages = service.pip_packages ?? [];
  const clamInPip = pip_packages.some((requirement) => /^clam($|[\s<>=!~;,[])/i.test(requirement));
  const localWsgi = source !== null && !path.posix.isAbsolute(service.wsgi) ? path.join(source, path.posix.normalize(service.wsgi)) : null;
  const is_clam = service.clam ?? (clamInPip || (localWsgi !== null && importsClam(localWsgi)));
  const source_is_package = source !== null && (existsSync(path.join(source, 'pyproject.toml')) || existsSync(path.join(source, 'setup.py')));
  const public_url = `${site.public_origin}${url_prefix === '/' ? '' : url_prefix}`;
  const config_dir = `/etc/clam/${name}`;

  if (service.env?.CLAMFORCEURL !== undefined) {
    problems.add(`${label}: env CLAMFORCEURL is set by clamprovision from the public URL (${public_url}); to change it set public_url (scheme://host[:port]) or server_name, http_port and tls`, locateKey(raw.env as object, 'CLAMFORCEURL'));
  }
  const data_dir = service.data_dir ?? `/var/lib/clam/${name}`;
  // The same environment for uWSGI, mod_wsgi and the processes they start (CLAM's dispatcher and
  // the tool it runs): the virtualenv first on PATH, the source directory on the Python path when
  // the service is not pip-installed (the dispatcher imports the settings module by name).
  const env: Record<string, string> = {
    VIRTUAL_ENV: `${home}/venv`,
    PATH: `${home}/venv/bin:/usr/local/bin:/usr/bin:/bin`,
    ...(source_is_package ? {} : { PYTHONPATH: path.posix.dirname(wsgi) }),
    CLAM_ROOT: data_dir,
    ...(is_clam ? { CLAMFORCEURL: public_url } : {}),
    ...(is_clam && localWsgi !== null && source !== null ? clamConfigFile(source, src_dir, localWsgi) : {}),
    ...(service.env ?? {}),
  };

  const secretNames = service.secrets ?? [];
  secretNames.forEach((secret, secretIndex) => {
    if (service.env?.[secret] === undefined) {
      const known = Object.keys(service.env ?? {});
      const hint = known.length > 0 ? `${didYouMean(secret, known)}; env has ${known.join(', ')}` : '; env is empty';
      problems.add(`${label}: secrets names '${secret}', which is not a key of its env${hint}`, locate(raw.secrets as object, secretIndex));
    } else {
      secrets.add(env[secret]!);
    }
  });

  let staticFiles: ClamStatic | null = null;
  if (service.static !== undefined) staticFiles = service.static;
  else if (is_clam) staticFiles = { url: url_prefix === '/' ? '/static' : `${url_prefix}/static`, dir: `${home}/static` };

  return {
    name,
    source,
    source_is_package,
    source_digest: source !== null ? sourceDigest(source) : null,
    wsgi,
    url_prefix,
    uwsgi_port: service.uwsgi_port ?? FIRST_UWSGI_PORT + index,
    processes: service.processes ?? 2,
    threads: service.threads ?? 2,
    pip_packages,
    env,
    data_dir,
    static: staticFiles,
    client_max_body_size: service.client_max_body_size ?? '1g',
    secrets: secretNames,
    apt_packages: service.apt_packages ?? [],
    request_timeout: service.request_timeout ?? DEFAULT_REQUEST_TIMEOUT,
    is_clam,
    public_url,
    // the XSL is read from CLAM's static directory: only where the webserver serves it from there
    server_side_xslt: site.server_side_xslt && is_clam && staticFiles !== null,
    venv: `${home}/venv`,
    src_dir,
    config_dir,
    entry_point: `${config_dir}/app.wsgi`,
    env_file: `${config_dir}/env`,
    clam_secrets_file: `${config_dir}/clam-secrets`,
    unit: `clam-${name}`,
  };
}

/** Whether a WSGI script's text imports CLAM (the wizard then offers pip_packages: [clam]). */
export function scriptImportsClam(script: string): boolean {
  return /^\s*(import\s+clam\b|from\s+clam\b)/m.test(script);
}

function importsClam(wsgiFile: string): boolean {
  try {
    return scriptImportsClam(readFileSync(wsgiFile, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * CONFIGFILE for CLAM's loadconfig(): `NAME.config.yml` (or .yaml) beside the WSGI script, else the
 * only `*.config.yml` of the source (top level or one directory down); none when that is ambiguous
 * (CLAM then searches itself).
 */
function clamConfigFile(source: string, srcDir: string, localWsgi: string): { CONFIGFILE?: string } {
  const relative = (file: string) => path.relative(source, file).split(path.sep).join('/');
  const stem = path.basename(localWsgi).replace(/\.[^.]*$/, '');
  for (const extension of ['yml', 'yaml']) {
    const beside = path.join(path.dirname(localWsgi), `${stem}.config.${extension}`);
    if (isFile(beside)) return { CONFIGFILE: `${srcDir}/${relative(beside)}` };
  }
  const found = listSourceFiles(source).filter((file) => file.split('/').length <= 2 && /\.config\.ya?ml$/.test(file));
  return found.length === 1 ? { CONFIGFILE: `${srcDir}/${found[0]}` } : {};
}

function checkUniqueness(
  services: ClamService[],
  raw: Array<Record<string, unknown>>,
  webserver: Webserver,
  httpPort: number,
  tls: boolean,
  ssh: number,
  problems: Problems,
): void {
  const names = new Map<string, number>();
  const prefixes = new Map<string, string>();
  const ports = new Map<number, string>([[ssh, 'SSH port'], [httpPort, 'http_port']]);
  if (tls) ports.set(HTTPS_PORT, 'HTTPS (tls)');
  services.forEach((service, index) => {
    const entry = raw[index]!;
    const firstIndex = names.get(service.name);
    if (firstIndex !== undefined) {
      problems.add(`duplicate service name '${service.name}' (services[${firstIndex}] already uses it); names must be unique per host`, locate(entry, 'name'));
      return;
    }
    names.set(service.name, index);

    const prefixOwner = prefixes.get(service.url_prefix);
    if (prefixOwner !== undefined) {
      const hint = entry.url_prefix === undefined ? ` (${service.url_prefix} is the default: give each service its own url_prefix)` : '';
      problems.add(`service '${service.name}': url_prefix '${service.url_prefix}' is already used by service '${prefixOwner}'${hint}`, locate(entry, 'url_prefix') ?? locate(entry));
    } else prefixes.set(service.url_prefix, service.name);

    // mod_wsgi runs the app inside Apache: no uWSGI socket is bound.
    if (webserver === 'apache-wsgi') return;
    const portOwner = ports.get(service.uwsgi_port);
    if (portOwner !== undefined) {
      const explicit = entry.uwsgi_port !== undefined;
      const owner = portOwner.startsWith('service') ? portOwner : portOwner === 'SSH port' ? 'the SSH port' : `the webserver's ${portOwner}`;
      problems.add(
        `service '${service.name}': uwsgi_port ${service.uwsgi_port}${explicit ? '' : ' (the default for this position)'} is already taken by ${owner}; give each service its own uwsgi_port`,
        locate(entry, 'uwsgi_port') ?? locate(entry),
      );
    } else ports.set(service.uwsgi_port, `service '${service.name}'`);
  });
}

// sshd listens on all addresses, so a uWSGI socket on 127.0.0.1 cannot take its port either.
function sshPort(raw: Record<string, unknown>): number {
  const port = Number(raw.ansible_port ?? raw.ansible_ssh_port ?? 22);
  return Number.isInteger(port) ? port : 22;
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Collects errors with positions, translating zod issues into sentences a newcomer understands. */
class Problems {
  private readonly errors: InputError[] = [];

  constructor(
    private readonly vars: Record<string, unknown>,
    private readonly host: ClamHost,
  ) {}

  add(message: string, location: SourceLocation | undefined): void {
    this.errors.push(new InputError(`host '${this.host.name}': ${message}`, location ?? this.host.location));
  }

  throwIfAny(): void {
    throwIfAny(this.errors.sort(byLocation));
  }

  fromIssue(issue: z.core.$ZodIssue): void {
    const where = this.label(issue.path);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const container = valueAt(this.vars, issue.path);
        const known = issue.path.at(-1) === 'tls' ? ['cert', 'key'] : issue.path.at(-1) === 'static' ? ['url', 'dir'] : [...SERVICE_KEYS];
        for (const key of issue.keys) {
          const location = typeof container === 'object' && container !== null ? locateKey(container, key) : undefined;
          this.add(`${where}: unknown key '${key}'${didYouMean(key, known)}; known keys: ${known.join(', ')}`, location ?? locatePath(this.vars, issue.path));
        }
        return;
      }
      case 'invalid_type': {
        const location = locatePath(this.vars, issue.path);
        if (input === undefined) {
          const missing = String(issue.path.at(-1));
          const near = issue.path.length === 1 ? didYouMean(missing, Object.keys(this.vars)) : '';
          const what = issue.path.length === 1 ? missing === 'services' ? "'services' is required: the list of webservices to deploy on this host" : `'${missing}' is required` : `${where} is required`;
          this.add(`${what}${near}`, issue.path.length === 1 ? this.host.location : locatePath(this.vars, issue.path.slice(0, -1)));
          return;
        }
        this.add(`${where} must be ${article(issue.expected)}, not ${describe(input)}`, location);
        return;
      }
      case 'invalid_value':
        this.add(`${where} must be one of ${issue.values.map(String).join(', ')}, not ${describe(input)}${typeof input === 'string' ? didYouMean(input, issue.values.map(String)) : ''}`, locatePath(this.vars, issue.path));
        return;
      case 'too_small':
      case 'too_big':
        if (issue.origin === 'number' || issue.origin === 'int') {
          const isPort = /port$/.test(String(issue.path.at(-1)));
          const range = isPort ? 'a port number from 1 to 65535' : issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
          this.add(`${where} must be ${range}, not ${describe(input)}`, locatePath(this.vars, issue.path));
        } else this.add(issue.message.startsWith('Too') ? `${where} is ${issue.code === 'too_small' ? 'empty' : 'too long'}` : `${where} ${issue.message}`, locatePath(this.vars, issue.path));
        return;
      case 'invalid_key': {
        const key = issue.path.at(-1);
        const container = valueAt(this.vars, issue.path.slice(0, -1));
        const location = typeof container === 'object' && container !== null && typeof key === 'string' ? locateKey(container, key) : undefined;
        this.add(`${this.label(issue.path.slice(0, -1))}: '${String(key)}' ${issue.issues[0]?.message ?? 'is not a valid key'}`, location ?? locatePath(this.vars, issue.path));
        return;
      }
      default: {
        // Custom messages of the schema read "must …", after the name of the value.
        const got = input !== undefined && typeof input !== 'object' ? `, not ${describe(input)}` : '';
        this.add(`${where} ${issue.message}${got}`, locatePath(this.vars, issue.path));
      }
    }
  }

  /** `http_port`, `service 'x': uwsgi_port`, `services[2].env.FOO` … */
  private label(issuePath: readonly PropertyKey[]): string {
    if (issuePath[0] === 'services' && typeof issuePath[1] === 'number') {
      const service = (this.vars.services as unknown[])[issuePath[1]] as Record<string, unknown> | undefined;
      const name = typeof service?.name === 'string' ? `service '${service.name}'` : `services[${issuePath[1]}]`;
      const rest = formatPath(issuePath.slice(2));
      return rest ? `${name}: ${rest}` : name;
    }
    return formatPath(issuePath) || 'variables';
  }
}

function formatPath(issuePath: readonly PropertyKey[]): string {
  return issuePath.map((step, i) => (typeof step === 'number' ? `[${step}]` : `${i === 0 ? '' : '.'}${String(step)}`)).join('');
}

function valueAt(root: unknown, issuePath: readonly PropertyKey[]): unknown {
  let current = root;
  for (const step of issuePath) current = (current as Record<PropertyKey, unknown> | undefined)?.[step];
  return current;
}

function article(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a mapping';
  if (expected === 'array') return 'a list';
  if (expected === 'int' || expected === 'number') return 'a number';
  if (expected === 'boolean') return 'true or false';
  return `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}
