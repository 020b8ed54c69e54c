import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { byLocation, InputError, throwIfAny } from '../core/errors.js';
import { didYouMean } from '../input/suggest.js';
import { locate, locateKey } from '../input/yaml-source.js';
import { scriptImportsClam } from '../clam/local-files.js';
import { WEBSERVERS, type Webserver } from '../clam/rules.js';
import * as rules from './rules.js';

/**
 * The answers of the wizard. The dialogue fills this object; `init --answers FILE` reads it from
 * YAML/JSON with the same keys. Both go through `checkAnswers`, so both write the same inventory.
 */
export interface ServerAnswers {
  address: string;
  user: string;
  port: number;
  /** absolute path; null: no key file (the ssh-agent and ~/.ssh/id_ed25519, id_rsa are tried) */
  key_file: string | null;
  sudo: boolean;
  /** sudo asks for a password: the inventory takes it from $BECOME_PASSWORD */
  sudo_password: boolean;
}

export interface ServiceAnswers {
  name: string;
  /** absolute path of the local source directory */
  source: string;
  /** relative to source */
  wsgi: string;
  url_prefix: string;
  pip_packages: string[];
}

export interface Answers {
  servers: ServerAnswers[];
  webserver: Webserver;
  services: ServiceAnswers[];
  server_name: string;
  /** a certificate of one's own (absolute paths), or one from Let's Encrypt */
  tls: { cert: string; key: string } | { acme: { email: string } } | null;
  firewall: boolean;
  pip_index_url: string | null;
  pip_trusted_host: string | null;
}

/** Where relative paths in answers are taken from, and where the default SSH keys are. */
export interface AnswerContext {
  cwd: string;
  home: string;
}

export const WEBSERVER_CHOICES: ReadonlyArray<{ value: Webserver; description: string }> = [
  { value: 'nginx', description: 'nginx in front of uWSGI: the usual choice on a new server' },
  { value: 'apache-uwsgi', description: 'Apache (mod_proxy_uwsgi) in front of uWSGI: when the server already runs Apache sites' },
  { value: 'apache-wsgi', description: 'Apache with mod_wsgi in daemon mode, no uWSGI: when your site standardises on mod_wsgi' },
];

/** The first of ~/.ssh/id_ed25519, ~/.ssh/id_rsa that exists; null: use the ssh-agent. */
export function defaultKeyFile(home: string): string | null {
  for (const name of ['id_ed25519', 'id_rsa']) {
    const file = path.join(home, '.ssh', name);
    if (existsSync(file)) return file;
  }
  return null;
}

export function defaultSudo(user: string): boolean {
  return user !== 'root';
}

export function defaultUrlPrefix(name: string, index: number): string {
  return index === 0 ? '/' : `/${name}`;
}

/** A service name from the module name of its WSGI script: `shout.wsgi` -> `shout`, `my-app.wsgi` -> `my_app`. */
export function defaultServiceName(wsgi: string, taken: readonly string[]): string {
  const base = path.posix.parse(wsgi).name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'webservice';
  let name = base;
  for (let n = 2; taken.includes(name); n++) name = `${base}${n}`;
  return name;
}

/**
 * What the virtualenv needs besides the source: nothing for a pip-installable project (it brings
 * its requirements), else the lines of requirements.txt, else `clam` when the script imports it.
 */
export function defaultPipPackages(sourceDir: string, wsgi: string): string[] {
  if (existsSync(path.join(sourceDir, 'pyproject.toml')) || existsSync(path.join(sourceDir, 'setup.py'))) return [];
  const requirements = readText(path.join(sourceDir, 'requirements.txt'));
  if (requirements !== undefined) {
    return requirements
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter((line) => line !== '' && rules.pipPackageProblem(line) === undefined);
  }
  const script = readText(path.join(sourceDir, wsgi)) ?? '';
  return scriptImportsClam(script) ? ['clam'] : [];
}

export function defaultTrustedHost(indexUrl: string): string | null {
  const url = new URL(indexUrl);
  return url.protocol === 'http:' ? url.host : null;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function expandPath(value: string, context: AnswerContext): string {
  const expanded = value === '~' || value.startsWith('~/') ? path.join(context.home, value.slice(1)) : value;
  return path.resolve(context.cwd, expanded);
}

const TOP_KEYS = ['servers', 'webserver', 'services', 'server_name', 'tls', 'firewall', 'pip_index_url', 'pip_trusted_host'];
const SERVER_KEYS = ['address', 'user', 'port', 'key_file', 'sudo', 'sudo_password'];
const SERVICE_KEYS = ['name', 'source', 'wsgi', 'url_prefix', 'pip_packages'];

type Raw = Record<string, unknown>;

/**
 * Validates answers (from a file, or as the dialogue collected them) with the rules the dialogue
 * applies while asking, fills in the dialogue's defaults, and resolves paths. Errors point at
 * file:line:col when the object came from `loadYamlFile`.
 */
export function checkAnswers(raw: unknown, context: AnswerContext, file?: string): Answers {
  const errors: InputError[] = [];
  const fail = (container: object, key: string | number | undefined, message: string): undefined => {
    const location = (key === undefined ? undefined : locate(container, key)) ?? locate(container) ?? (file ? { file, line: 1, col: 1 } : undefined);
    errors.push(new InputError(message, location));
    return undefined;
  };
  if (!isMapping(raw)) {
    throw new InputError('the answers must be a mapping with the keys servers, webserver, services, …', file ? { file, line: 1, col: 1 } : undefined);
  }
  unknownKeys(raw, TOP_KEYS, 'answers', errors);

  const text = (container: Raw, key: string, label: string, fallback?: string): string | undefined => {
    const value = container[key];
    if (value === undefined || value === null) {
      if (fallback === undefined) return fail(container, undefined, `${label}: '${key}' is required`);
      return fallback;
    }
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') return fail(container, key, `${label}: ${key} must be a string, not ${describe(value)}`);
    return value.trim();
  };
  const flag = (container: Raw, key: string, label: string, fallback: boolean): boolean => {
    const value = container[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    const word = typeof value === 'string' ? value.toLowerCase() : '';
    if (['yes', 'true', 'on'].includes(word)) return true;
    if (['no', 'false', 'off'].includes(word)) return false;
    fail(container, key, `${label}: ${key} must be true or false (yes/no also work), not ${describe(value)}`);
    return fallback;
  };
  const check = (container: Raw, key: string, label: string, problem: string | undefined): boolean => {
    if (problem) fail(container, key, `${label}: ${problem}`);
    return problem === undefined;
  };
  const list = (container: Raw, key: string, label: string): Raw[] => {
    const value = container[key];
    if (value === undefined || value === null) {
      fail(container, undefined, `'${key}' is required: a list with at least one entry`);
      return [];
    }
    if (!Array.isArray(value) || value.length === 0) {
      fail(container, key, `${label} must be a list with at least one entry`);
      return [];
    }
    return value.filter((entry, index) => {
      if (isMapping(entry)) return true;
      fail(value, index, `${label}[${index}] must be a mapping (address: …, user: …)`);
      return false;
    }) as Raw[];
  };

  const servers: ServerAnswers[] = [];
  for (const [index, entry] of list(raw, 'servers', 'servers').entries()) {
    const label = `servers[${index}]`;
    unknownKeys(entry, SERVER_KEYS, label, errors);
    const address = text(entry, 'address', label) ?? '';
    if (entry.address !== undefined) check(entry, 'address', label, rules.addressProblem(address));
    if (servers.some((s) => s.address === address)) fail(entry, 'address', `${label}: ${address} is listed twice`);
    const user = text(entry, 'user', label, 'root') ?? 'root';
    check(entry, 'user', label, rules.userProblem(user));
    const portValue = entry.port ?? 22;
    const port = check(entry, 'port', label, rules.portProblem(portValue)) ? Number(portValue) : 22;
    let keyFile = defaultKeyFile(context.home);
    if ('key_file' in entry) {
      const value = text(entry, 'key_file', label, '') ?? '';
      keyFile = value === '' ? null : expandPath(value, context);
      if (keyFile !== null) check(entry, 'key_file', label, rules.keyFileProblem(keyFile));
    }
    const sudo = flag(entry, 'sudo', label, defaultSudo(user));
    const sudoPassword = sudo && user !== 'root' && flag(entry, 'sudo_password', label, true);
    servers.push({ address, user, port, key_file: keyFile, sudo, sudo_password: sudoPassword });
  }

  let webserver: Webserver = 'nginx';
  const webserverValue = text(raw, 'webserver', 'answers', 'nginx');
  if (webserverValue !== undefined) {
    if ((WEBSERVERS as readonly string[]).includes(webserverValue)) webserver = webserverValue as Webserver;
    else fail(raw, 'webserver', `webserver must be one of ${WEBSERVERS.join(', ')}, not '${webserverValue}'${didYouMean(webserverValue, WEBSERVERS)}`);
  }

  const services: ServiceAnswers[] = [];
  for (const [index, entry] of list(raw, 'services', 'services').entries()) {
    const label = `services[${index}]`;
    unknownKeys(entry, SERVICE_KEYS, label, errors);
    const source = expandPath(text(entry, 'source', label, '.') ?? '.', context);
    const sourceOk = check(entry, 'source', label, rules.sourceDirProblem(source));
    let wsgi = '';
    if (entry.wsgi !== undefined && entry.wsgi !== null) {
      wsgi = text(entry, 'wsgi', label) ?? '';
      if (sourceOk) check(entry, 'wsgi', label, rules.wsgiProblem(wsgi, source));
      wsgi = path.posix.normalize(wsgi.split(path.sep).join('/'));
    } else if (sourceOk) {
      const scripts = rules.findWsgiScripts(source);
      if (scripts.length === 1) wsgi = scripts[0]!;
      else {
        const what = scripts.length === 0 ? `there is no *.wsgi file in ${source}` : `${source} has several: ${scripts.join(', ')}`;
        fail(entry, undefined, `${label}: 'wsgi' is required (${what})`);
      }
    }
    const taken = services.map((s) => s.name);
    // Without a WSGI script there is no default name; why there is none is reported already.
    const name = text(entry, 'name', label, wsgi === '' ? '' : defaultServiceName(wsgi, taken)) ?? '';
    if (wsgi !== '' || entry.name != null) check(entry, 'name', label, rules.serviceNameProblem(name, taken));
    const prefix = text(entry, 'url_prefix', label, defaultUrlPrefix(name, index)) ?? '/';
    check(entry, 'url_prefix', label, rules.urlPrefixProblem(prefix, services.map((s) => s.url_prefix)));
    let pipPackages = sourceOk && wsgi !== '' ? defaultPipPackages(source, wsgi) : [];
    if (entry.pip_packages !== undefined && entry.pip_packages !== null) {
      const value = entry.pip_packages;
      const items = typeof value === 'string' ? splitList(value) : Array.isArray(value) ? value : undefined;
      if (items === undefined || items.some((item) => typeof item !== 'string')) {
        fail(entry, 'pip_packages', `${label}: pip_packages must be a list of pip requirements (or one comma-separated string)`);
      } else {
        pipPackages = (items as string[]).map((item) => item.trim());
        for (const requirement of pipPackages) check(entry, 'pip_packages', label, rules.pipPackageProblem(requirement));
      }
    }
    services.push({ name, source, wsgi, url_prefix: prefix, pip_packages: pipPackages });
  }

  const serverName = text(raw, 'server_name', 'answers', servers[0]?.address ?? '') ?? '';
  check(raw, 'server_name', 'server_name', rules.serverNameProblem(serverName));

  let tls: Answers['tls'] = null;
  if (raw.tls !== undefined && raw.tls !== null) {
    if (!isMapping(raw.tls)) fail(raw, 'tls', 'tls must be a mapping with cert and key (local files) or acme: {email: …}, or left out');
    else if (raw.tls.acme !== undefined) {
      unknownKeys(raw.tls, ['acme'], 'tls', errors);
      if (!isMapping(raw.tls.acme)) fail(raw.tls, 'acme', 'tls: acme must be a mapping with the email of the Let\'s Encrypt account');
      else {
        unknownKeys(raw.tls.acme, ['email'], 'tls.acme', errors);
        const email = text(raw.tls.acme, 'email', 'tls.acme') ?? '';
        if (raw.tls.acme.email != null) check(raw.tls.acme, 'email', 'tls.acme', rules.emailProblem(email));
        check(raw, 'server_name', 'server_name', rules.acmeServerNameProblem(serverName));
        tls = { acme: { email } };
      }
    } else {
      unknownKeys(raw.tls, ['cert', 'key'], 'tls', errors);
      const cert = expandPath(text(raw.tls, 'cert', 'tls') ?? '', context);
      const key = expandPath(text(raw.tls, 'key', 'tls') ?? '', context);
      if (raw.tls.cert != null) check(raw.tls, 'cert', 'tls', rules.readableFileProblem(cert, 'certificate file'));
      if (raw.tls.key != null) check(raw.tls, 'key', 'tls', rules.readableFileProblem(key, 'private key file'));
      tls = { cert, key };
    }
  }

  const firewall = flag(raw, 'firewall', 'answers', true);

  let indexUrl: string | null = null;
  let trustedHost: string | null = null;
  const indexValue = text(raw, 'pip_index_url', 'answers', '') ?? '';
  if (indexValue !== '' && check(raw, 'pip_index_url', 'pip_index_url', rules.indexUrlProblem(indexValue))) {
    indexUrl = indexValue;
    trustedHost = defaultTrustedHost(indexValue);
  }
  if (raw.pip_trusted_host !== undefined && raw.pip_trusted_host !== null) {
    const host = text(raw, 'pip_trusted_host', 'answers') ?? '';
    trustedHost = host === '' ? null : check(raw, 'pip_trusted_host', 'pip_trusted_host', rules.trustedHostProblem(host)) ? host : null;
  }
  if (indexUrl === null && trustedHost !== null) {
    fail(raw, 'pip_trusted_host', 'pip_trusted_host only makes sense with pip_index_url');
  }

  throwIfAny(errors.sort(byLocation));
  return {
    servers,
    webserver,
    services,
    server_name: serverName,
    tls,
    firewall,
    pip_index_url: indexUrl,
    pip_trusted_host: trustedHost,
  };
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function unknownKeys(container: Raw, known: readonly string[], label: string, errors: InputError[]): void {
  for (const key of Object.keys(container)) {
    if (known.includes(key)) continue;
    errors.push(new InputError(`${label}: unknown key '${key}'${didYouMean(key, known)}; known keys: ${known.join(', ')}`, locateKey(container, key)));
  }
}

function isMapping(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  return JSON.stringify(value);
}
