/**
 * Where a CLAM deployment lives on the host: the one place these paths are written. The schema
 * hands them to the playbook and the templates as variables (ClamService, tls_on_host).
 */

/** The paths of one service on the host. */
export interface ServicePaths {
  /** /opt/clam/NAME: its releases, the `current` link and its static files */
  home: string;
  /** one directory per deployed version of its code: releases/ID/{src,venv} */
  releases_dir: string;
  /** the link to the release the service runs: switched atomically by a deploy or a rollback */
  current: string;
  /** the virtualenv the service runs, through `current` */
  venv: string;
  /** the uploaded source the service runs, through `current`: uWSGI's chdir, mod_wsgi's home */
  src_dir: string;
  /** where CLAM's own static files are linked from its package, unless `static` says otherwise */
  clam_static_dir: string;
  /** /etc/clam/NAME: its entry point, environment and uWSGI configuration */
  config_dir: string;
  /** the WSGI entry point every webserver mode runs: sets the environment, then runs `wsgi` */
  entry_point: string;
  env_file: string;
  /** CLAM's SECRET_KEY and PRIVATEACCESSTOKEN, generated on the host once */
  clam_secrets_file: string;
  /** the users of its HTTP Basic authentication at the webserver (`auth.users`), readable by the webserver's group */
  htpasswd_file: string;
  uwsgi_ini: string;
  /** the systemd unit running its uWSGI; also its mod_wsgi process group */
  unit: string;
  unit_file: string;
  /** its drop-in of systemd settings only newer systemd versions know (restart backoff) */
  unit_backoff_file: string;
}

export function servicePaths(name: string): ServicePaths {
  const home = `/opt/clam/${name}`;
  const config_dir = `/etc/clam/${name}`;
  const unit = `clam-${name}`;
  return {
    home,
    releases_dir: `${home}/releases`,
    current: `${home}/current`,
    venv: `${home}/current/venv`,
    src_dir: `${home}/current/src`,
    clam_static_dir: `${home}/static`,
    config_dir,
    entry_point: `${config_dir}/app.wsgi`,
    env_file: `${config_dir}/env`,
    clam_secrets_file: `${config_dir}/clam-secrets`,
    htpasswd_file: `${config_dir}/htpasswd`,
    uwsgi_ini: `${config_dir}/uwsgi.ini`,
    unit,
    unit_file: `/etc/systemd/system/${unit}.service`,
    unit_backoff_file: `/etc/systemd/system/${unit}.service.d/restart-backoff.conf`,
  };
}

/** Where one release of a service is installed before `current` is switched to it. */
export interface ReleasePaths {
  release_dir: string;
  release_src: string;
  release_venv: string;
}

export function releasePaths(paths: ServicePaths, id: string): ReleasePaths {
  const release_dir = `${paths.releases_dir}/${id}`;
  return { release_dir, release_src: `${release_dir}/src`, release_venv: `${release_dir}/venv` };
}

/** A service's data (CLAM_ROOT) unless data_dir says otherwise: created, never wiped. */
export function defaultDataDir(name: string): string {
  return `/var/lib/clam/${name}`;
}

/** The TLS certificate and key where the webservers read them. */
export interface TlsOnHost {
  dir: string;
  cert: string;
  key: string;
}

export const TLS_ON_HOST: TlsOnHost = { dir: '/etc/clam/tls', cert: '/etc/clam/tls/cert.pem', key: '/etc/clam/tls/key.pem' };

/** Where a certificate from ACME (`tls.acme`) lives on the host, and what obtains and renews it. */
export interface AcmeOnHost {
  /** the copies of certbot's certificate the webserver serves (a self-signed stand-in until the first is issued) */
  dir: string;
  cert: string;
  key: string;
  /** certbot's --webroot: the webserver answers /.well-known/acme-challenge/ from below it */
  webroot: string;
  /** certbot's --deploy-hook: copies a new certificate to `dir` and reloads the webserver */
  deploy_hook: string;
  /** the ACME account's contact as last set (certbot keeps none) */
  account_record: string;
  /** the private CA (`tls.acme.ca_bundle`) among the host's trusted CAs (update-ca-certificates) */
  ca_file: string;
}

export const ACME_ON_HOST: AcmeOnHost = {
  dir: '/etc/clam/tls/acme',
  cert: '/etc/clam/tls/acme/fullchain.pem',
  key: '/etc/clam/tls/acme/privkey.pem',
  webroot: '/var/www/clam-acme',
  deploy_hook: '/etc/clam/tls/acme/deploy-hook',
  account_record: '/etc/clam/tls/acme/account',
  ca_file: '/usr/local/share/ca-certificates/clamprovision-acme.crt',
};
