import path from 'node:path';
import { secrets } from '../core/secrets.js';
import { didYouMean } from '../input/suggest.js';
import { locate, locateKey } from '../input/yaml-source.js';
import { localPath } from '../inventory/connection.js';
import type { SchemaHost } from '../playbook/vars-schemas.js';
import { checkHostPublicPaths, registerPasswords, serviceAuth, type AuthSource } from './access-control.js';
import { ACME_ON_HOST, defaultDataDir, releasePaths, servicePaths, TLS_ON_HOST } from './host-paths.js';
import { deriveTls } from './tls.js';
import { releaseId, releaseVerify } from './release-id.js';
import { clamConfigFile, isFile, isPythonProject, sourceDirProblem, wsgiFileImportsClam } from './local-files.js';
import type { Problems } from './problems.js';
import { CONFIG_WORD, CONFIG_WORD_RULE, offendingCharacter } from './config-value.js';
import { dataDirsOverlap } from './data-dir.js';
import { leavesSourceDir, urlPrefixRule, type Webserver } from './rules.js';
import type { ParsedService, ParsedVars } from './schema.js';
import { sharedService, servicePublicUrl } from './shared-services.js';
import { sourceDigest } from './source-tree.js';
import type { ClamService, ClamStatic, ClamVars } from './types.js';

/** The CLAM variables' defaults and derived values, from the values the schema checked. */

const FIRST_UWSGI_PORT = 8888;
const HTTPS_PORT = 443;
const DEFAULT_REQUEST_TIMEOUT = 600;
const DEFAULT_KEEP_RELEASES = 5;
/**
 * How long a restart waits for the requests in flight before it ends them (uWSGI's own default
 * worker-reload-mercy): connections arriving meanwhile wait in the listening socket's queue, so a
 * longer wait would hold them up as long.
 */
const GRACEFUL_STOP_SECONDS = 60;

/** Debian packages a CLAM service needs at run time: lxml's libraries, CLAM's archivers and converters. */
export const CLAM_APT_PACKAGES = ['libxml2', 'libxslt1.1', 'zip', 'bzip2', 'poppler-utils', 'catdoc'];
/** nginx's XSLT filter, for rendering CLAM's interface on the server. */
export const NGINX_XSLT_PACKAGE = 'libnginx-mod-http-xslt-filter';

export function deriveClamVars(data: ParsedVars, raw: Record<string, unknown>, host: SchemaHost, problems: Problems): ClamVars {
  const rawServices = raw.services as Array<Record<string, unknown>>;
  const webserver = data.webserver ?? 'nginx';
  const http_port = data.http_port ?? 80;
  const server_name = data.server_name ?? host.name;
  const tls = data.tls ? deriveTls(data.tls, raw, server_name, data.http_port ?? 80, host, problems) : null;
  if (data.server_name === undefined) {
    const char = offendingCharacter(host.name, CONFIG_WORD);
    if (char !== undefined) {
      problems.add(`the host's name is the default server_name, which ${CONFIG_WORD_RULE} (it holds ${char}): set server_name, or name the host by its DNS name`, host.location);
    }
  }
  checkHttpPort(http_port, tls !== null, raw, host, problems);
  const public_origin = (data.public_url ?? defaultOrigin(server_name, http_port, tls !== null)).replace(/\/$/, '');
  const public_scheme = public_origin.startsWith('https:') ? 'https' : 'http';
  const public_authority = public_origin.replace(/^https?:\/\//, '');

  if (data.server_side_xslt === true && webserver !== 'nginx') {
    problems.add(`server_side_xslt: rendering CLAM's interface on the server needs nginx's XSLT filter; Apache has none (set it to false, or use webserver: nginx)`, locate(raw, 'server_side_xslt'));
  }
  const server_side_xslt = data.server_side_xslt ?? webserver === 'nginx';

  const hostAuth: AuthSource = { auth: data.auth, raw: raw.auth as Record<string, unknown> | undefined };
  registerPasswords(data.auth);
  const site = { webserver, public_origin, server_side_xslt, auth: hostAuth };
  const services = data.services.map((service, index) => {
    const inputs = { service, index, raw: rawServices[index]!, inventoryDir: host.inventoryDir, webserver, server_side_xslt, auth: hostAuth };
    return sharedService(inputs, public_origin, problems, () => deriveService(service, index, rawServices[index]!, host, site, problems));
  });
  checkHostPublicPaths(hostAuth, services.map((service) => service.url_prefix), problems);
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
    acme_on_host: ACME_ON_HOST,
    tls_on_host: tls?.acme ? { dir: ACME_ON_HOST.dir, cert: ACME_ON_HOST.cert, key: ACME_ON_HOST.key } : TLS_ON_HOST,
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

function checkHttpPort(httpPort: number, tls: boolean, raw: Record<string, unknown>, host: SchemaHost, problems: Problems): void {
  const where = locate(raw, 'http_port') ?? host.location;
  const ssh = sshPort(raw);
  if (httpPort === ssh) {
    problems.add(`http_port ${httpPort} is the SSH port${raw.http_port === undefined ? ' (80 is the default: set http_port)' : ''}; the webserver cannot listen where sshd does`, raw.http_port === undefined ? (locate(raw, 'ansible_port') ?? locate(raw, 'ansible_ssh_port') ?? where) : where);
  } else if (tls && httpPort === HTTPS_PORT) {
    problems.add(`http_port ${HTTPS_PORT} with tls: HTTPS listens on ${HTTPS_PORT} and http_port is the plain-HTTP port that redirects to it (80 by default)`, where);
  }
}

/** The URL users type for this host: the port only when it is not the scheme's default. */
function defaultOrigin(serverName: string, httpPort: number, tls: boolean): string {
  if (tls) return `https://${serverName}`;
  return httpPort === 80 ? `http://${serverName}` : `http://${serverName}:${httpPort}`;
}

interface SiteSettings {
  webserver: Webserver;
  public_origin: string;
  server_side_xslt: boolean;
  /** the host's `auth`, for services without their own */
  auth: AuthSource;
}

function deriveService(service: ParsedService, index: number, raw: Record<string, unknown>, host: SchemaHost, site: SiteSettings, problems: Problems): ClamService {
  const name = service.name;
  const label = `service '${name}'`;
  const paths = servicePaths(name);

  let source: string | null = null;
  if (service.source) {
    source = localPath(service.source, host.inventoryDir);
    const why = sourceDirProblem(source);
    if (why !== undefined) {
      problems.add(`${label}: source directory ${source} ${why} (relative paths are taken from the inventory's directory ${host.inventoryDir})`, locate(raw, 'source'));
      source = null;
    }
  }

  let wsgi = service.wsgi;
  if (!path.posix.isAbsolute(wsgi)) {
    const relative = path.posix.normalize(wsgi);
    if (service.source === undefined || service.source === null) {
      problems.add(`${label}: wsgi '${wsgi}' is relative, which needs a 'source' directory to find it in (or give an absolute path on the host)`, locate(raw, 'wsgi'));
    } else if (leavesSourceDir(relative)) {
      problems.add(`${label}: wsgi '${wsgi}' points outside the source directory`, locate(raw, 'wsgi'));
    } else if (source !== null && !isFile(path.join(source, relative))) {
      problems.add(`${label}: WSGI script '${wsgi}' not found in source directory ${source}`, locate(raw, 'wsgi'));
    }
    wsgi = `${paths.src_dir}/${relative}`;
  }

  const url_prefix = service.url_prefix ?? '/';
  if (service.url_prefix !== undefined) {
    const rule = urlPrefixRule(url_prefix);
    if (rule !== undefined) problems.add(`${label}: url_prefix '${url_prefix}' ${rule}`, locate(raw, 'url_prefix'));
  }

  const pip_packages = service.pip_packages ?? [];
  const clamInPip = pip_packages.some((requirement) => /^clam($|[\s<>=!~;,[])/i.test(requirement));
  const localWsgi = source !== null && !path.posix.isAbsolute(service.wsgi) ? path.join(source, path.posix.normalize(service.wsgi)) : null;
  const is_clam = service.clam ?? (clamInPip || (localWsgi !== null && wsgiFileImportsClam(localWsgi)));
  const source_is_package = source !== null && isPythonProject(source);
  const public_url = servicePublicUrl(site.public_origin, url_prefix);

  if (service.env?.CLAMFORCEURL !== undefined) {
    problems.add(`${label}: env CLAMFORCEURL is set by clamprovision from the public URL (${public_url}); to change it set public_url (scheme://host[:port]) or server_name, http_port and tls`, locateKey(raw.env as object, 'CLAMFORCEURL'));
  }
  const data_dir = service.data_dir ?? defaultDataDir(name);
  // The same environment for uWSGI, mod_wsgi and the processes they start (CLAM's dispatcher and
  // the tool it runs): the virtualenv first on PATH, the source directory on the Python path when
  // the service is not pip-installed (the dispatcher imports the settings module by name).
  const env: Record<string, string> = {
    VIRTUAL_ENV: paths.venv,
    PATH: `${paths.venv}/bin:/usr/local/bin:/usr/bin:/bin`,
    ...(source_is_package ? {} : { PYTHONPATH: path.posix.dirname(wsgi) }),
    CLAM_ROOT: data_dir,
    ...(is_clam ? { CLAMFORCEURL: public_url } : {}),
    ...(is_clam && localWsgi !== null && source !== null ? clamConfigFile(source, paths.src_dir, localWsgi) : {}),
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
  else if (is_clam) staticFiles = { url: url_prefix === '/' ? '/static' : `${url_prefix}/static`, dir: paths.clam_static_dir };

  registerPasswords(service.auth);
  const auth = serviceAuth({ auth: service.auth, raw: raw.auth as Record<string, unknown> | undefined }, site.auth, url_prefix, label, problems);

  const source_digest = source !== null ? sourceDigest(source) : null;
  // mod_wsgi needs no uWSGI, only the virtualenv as python-home: 'pip' (in every new virtualenv)
  // makes the list non-empty without installing anything more
  const venv_packages = [site.webserver === 'apache-wsgi' ? 'pip' : 'uwsgi', ...pip_packages];
  const release_id = releaseId({ source_digest, venv_packages, source_is_package });

  return {
    ...paths,
    ...releasePaths(paths, release_id),
    name,
    source,
    source_is_package,
    source_digest,
    venv_packages,
    release_id,
    keep_releases: service.keep_releases ?? DEFAULT_KEEP_RELEASES,
    release_verify: releaseVerify({ wsgi, src_dir: paths.src_dir, uwsgi: site.webserver !== 'apache-wsgi', is_clam }),
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
    clam_projects_dir: is_clam && env.CLAM_ROOT === data_dir ? `${data_dir.replace(/\/+$/, '')}/projects` : null,
    public_url,
    // the XSL is read from CLAM's static directory: only where the webserver serves it from there
    server_side_xslt: site.server_side_xslt && is_clam && staticFiles !== null,
    socket_unit: `${paths.unit}.socket`,
    socket_file: `/etc/systemd/system/${paths.unit}.socket`,
    master_fifo: `/run/${paths.unit}/master.fifo`,
    graceful_stop_seconds: Math.min(GRACEFUL_STOP_SECONDS, service.request_timeout ?? DEFAULT_REQUEST_TIMEOUT),
    auth,
  };
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

    const sharing = services.slice(0, index).find((other) => dataDirsOverlap(other.data_dir, service.data_dir));
    if (sharing !== undefined) {
      problems.add(`service '${service.name}': data_dir ${service.data_dir} overlaps the data_dir ${sharing.data_dir} of service '${sharing.name}'; each service needs its own`, locate(entry, 'data_dir') ?? locate(entry));
    }

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
