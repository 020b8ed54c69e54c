import type { AcmeOnHost, ReleasePaths, ServicePaths, TlsOnHost } from './host-paths.js';
import type { TlsProfile } from './tls-profile.js';
import type { Webserver } from './rules.js';

/** The variables `vars_schema: clam` gives the playbook and its templates: the input, defaults and derived values. */

export interface ClamStatic {
  url: string;
  dir: string;
}

/** Access control at the webserver for one service (`auth`, its own or the host's). */
export interface ClamAuth {
  /** user name -> password (secrets): HTTP Basic against the service's htpasswd_file */
  users: Record<string, string> | null;
  /** addresses and networks allowed in; null: every address */
  allow_from: string[] | null;
  /** URL paths under the service's url_prefix (no trailing slash) open to everyone: no password, any address */
  public: string[];
  /** the same paths as one regular expression matching them and what lies below them */
  public_pattern: string | null;
}

export interface ClamService extends ServicePaths, ReleasePaths {
  name: string;
  source: string | null;
  source_is_package: boolean;
  source_digest: string | null;
  /** what its virtualenv holds besides the source: uWSGI (or pip alone, for mod_wsgi) and pip_packages */
  venv_packages: string[];
  /** names the release of this code and these packages: the same inputs, the same release */
  release_id: string;
  /** how many releases stay on the host for rollback */
  keep_releases: number;
  /** sh run before `current` is switched to a new release ($RELEASE: its directory) */
  release_verify: string;
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
  /**
   * CLAM's ROOT/projects when ROOT is data_dir (a CLAM service whose env leaves CLAM_ROOT alone), else
   * null: created with projects/anonymous in it, see the playbook's "Projects directory" task
   */
  clam_projects_dir: string | null;
  /** where users reach it: scheme://host[:port]/prefix (no trailing slash) */
  public_url: string;
  /** CLAM's interface rendered to HTML by nginx's XSLT filter for browsers */
  server_side_xslt: boolean;
  /** the systemd socket unit (clam-NAME.socket) that holds 127.0.0.1:uwsgi_port for uWSGI across restarts */
  socket_unit: string;
  socket_file: string;
  /** uWSGI's master FIFO (in the unit's RuntimeDirectory): 'q' shuts it down gracefully */
  master_fifo: string;
  /** seconds a stop or restart waits for requests in flight (uWSGI's worker-reload-mercy, mod_wsgi's shutdown-timeout) */
  graceful_stop_seconds: number;
  /** access control at the webserver; null: open to everyone */
  auth: ClamAuth | null;
}

/** A certificate from an ACME CA, obtained and renewed on the host by certbot (HTTP-01 through the webserver). */
export interface ClamAcme extends AcmeOnHost {
  /** the ACME account's contact */
  email: string;
  /** the ACME directory URL */
  directory: string;
  /** CA certificates (PEM, on the controller) the directory's HTTPS certificate is signed by: a private CA */
  ca_bundle: string | null;
  /** the certificate's name, its only domain, and certbot's name for it: server_name */
  domain: string;
}

export interface ClamTls {
  /** a certificate of one's own: its files on the controller, uploaded to tls_on_host; null with acme */
  files: { cert: string; key: string } | null;
  acme: ClamAcme | null;
  /** Strict-Transport-Security max-age in seconds; null: no HSTS header */
  hsts_max_age: number | null;
  /** protocols, ciphers and curves (Mozilla's "intermediate" profile) */
  profile: TlsProfile;
}

export interface ClamVars {
  webserver: Webserver;
  server_name: string;
  http_port: number;
  /** HTTPS on 443 (HTTP redirects to it); null: HTTP only */
  tls: ClamTls | null;
  /** where the webserver reads the certificate and key */
  tls_on_host: TlsOnHost;
  /** where certbot's side of tls.acme lives (also without it: what to remove) */
  acme_on_host: AcmeOnHost;
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
