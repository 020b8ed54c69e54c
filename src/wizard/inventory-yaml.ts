import path from 'node:path';
import { Document, Scalar, isScalar, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { defaultDataDir, servicePaths } from '../clam/host-paths.js';
import type { Answers, ServerAnswers, ServiceAnswers } from './answers.js';

export const BECOME_PASSWORD_VARIABLE = 'BECOME_PASSWORD';

const WEBSERVER_NOTE: Record<Answers['webserver'], string> = {
  nginx: 'nginx in front of uWSGI',
  'apache-uwsgi': 'Apache with mod_proxy_uwsgi in front of uWSGI',
  'apache-wsgi': 'Apache with mod_wsgi in daemon mode (no uWSGI)',
};

/**
 * The inventory for the answers, as Ansible-style YAML with a comment on every setting: the
 * wizard's user learns the format from the file it writes. Paths inside the inventory's directory
 * are written relative to it, those under the home directory as ~/…, others absolute.
 */
export function inventoryYaml(answers: Answers, inventoryFile: string, home: string): string {
  const inventoryDir = path.dirname(path.resolve(inventoryFile));
  const shown = (file: string) => displayPath(file, inventoryDir, home);
  const usesBecomePassword = answers.servers.some((s) => s.sudo_password);
  const name = path.basename(inventoryFile);

  const vars: Record<string, unknown> = { webserver: answers.webserver, server_name: answers.server_name };
  if (answers.tls) vars.tls = 'acme' in answers.tls ? { acme: { email: answers.tls.acme.email } } : { cert: shown(answers.tls.cert), key: shown(answers.tls.key) };
  vars.firewall = answers.firewall;
  if (answers.pip_index_url) vars.pip_index_url = answers.pip_index_url;
  if (answers.pip_trusted_host) vars.pip_trusted_host = answers.pip_trusted_host;
  vars.services = answers.services.map((service) => serviceVars(service, shown));

  const doc = new Document({
    all: {
      hosts: Object.fromEntries(answers.servers.map((server) => [server.address, hostVars(server, shown)])),
      vars,
    },
  });

  doc.commentBefore = [
    ' Inventory written by `clamprovision init` (Ansible-compatible YAML: edit it freely).',
    ' Variables under all.vars apply to every host; a variable under a host overrides them.',
    '',
    ' Next steps:',
    ...(usesBecomePassword ? [`   read -rs ${BECOME_PASSWORD_VARIABLE} && export ${BECOME_PASSWORD_VARIABLE}   # the sudo password, see below`] : []),
    `   clamprovision validate ${name}   # check this file offline`,
    `   clamprovision plan ${name}       # connect and show what would change (changes nothing)`,
    `   clamprovision apply ${name}      # deploy`,
  ].join('\n');

  const all = doc.get('all', true) as YAMLMap;
  const hosts = doc.getIn(['all', 'hosts'], true) as YAMLMap;
  note(all, 'hosts', 'The servers to deploy to. Each key is the address clamprovision connects to over SSH\n(to use a short name instead, write the name as the key and add ansible_host: ADDRESS).');
  note(all, 'vars', 'Settings of the CLAM webservice playbook, the same for every host.');
  hosts.items.forEach((pair, index) => {
    const server = answers.servers[index]!;
    annotateHost(pair.value as YAMLMap, server);
  });

  const varsNode = doc.getIn(['all', 'vars'], true) as YAMLMap;
  note(varsNode, 'webserver', `The webserver: nginx, apache-uwsgi (Apache + mod_proxy_uwsgi) or apache-wsgi (Apache + mod_wsgi). This one: ${WEBSERVER_NOTE[answers.webserver]}.`);
  note(
    varsNode,
    'server_name',
    'The name of the virtual host: the DNS name (or address) users type in the browser.' +
      (answers.tls ? '' : "\nFor HTTPS add  tls: {acme: {email: you@example.org}}  (Let's Encrypt) or  tls: {cert: path/to/cert.pem, key: path/to/key.pem}  (local files)."),
  );
  if (answers.tls && 'acme' in answers.tls) {
    note(varsNode, 'tls', "HTTPS on port 443 with a certificate from Let's Encrypt for server_name, obtained and renewed by certbot on the\nserver (the name must point at it, port 80 open); HTTP redirects to HTTPS.");
    const acme = (varsNode.get('tls', true) as unknown as YAMLMap).get('acme', true) as unknown as YAMLMap;
    trailing(acme, 'email', "the Let's Encrypt account's contact: expiry notices go here");
  } else if (answers.tls) {
    note(varsNode, 'tls', 'HTTPS on port 443 with this certificate and private key (local files, uploaded to the server); HTTP redirects to HTTPS.');
    const tls = varsNode.get('tls', true) as unknown as YAMLMap;
    trailing(tls, 'cert', 'the certificate (chain), PEM');
    trailing(tls, 'key', 'its private key, PEM');
  }
  note(
    varsNode,
    'firewall',
    answers.firewall
      ? 'Manage the firewall (ufw): allow the SSH port and HTTP(S), deny everything else.'
      : 'The firewall (ufw) is left alone; set true to allow only SSH and HTTP(S) and deny the rest.',
  );
  if (answers.pip_index_url) note(varsNode, 'pip_index_url', 'Python packages come from this package index instead of PyPI.');
  if (answers.pip_trusted_host) note(varsNode, 'pip_trusted_host', 'pip trusts this host although the index is plain http.');
  note(
    varsNode,
    'services',
    'The webservices. Each gets a virtualenv under /opt/clam/NAME, a systemd unit clam-NAME\n' +
      '(uWSGI as the user clam, except with apache-wsgi) and a data directory /var/lib/clam/NAME.',
  );
  const services = varsNode.get('services', true) as unknown as YAMLSeq;
  const site = `${answers.tls ? 'https' : 'http'}://${answers.server_name}`;
  services.items.forEach((item, index) => annotateService(item as YAMLMap, answers.services[index]!, site, index));

  return doc.toString({ lineWidth: 0 });
}

function hostVars(server: ServerAnswers, shown: (file: string) => string): Record<string, unknown> {
  const vars: Record<string, unknown> = { ansible_user: server.user, ansible_port: server.port };
  if (server.key_file) vars.ansible_ssh_private_key_file = shown(server.key_file);
  vars.ansible_become = server.sudo;
  if (server.sudo_password) vars.ansible_become_password = `\${${BECOME_PASSWORD_VARIABLE}}`;
  return vars;
}

function annotateHost(host: YAMLMap, server: ServerAnswers): void {
  note(
    host,
    'ansible_user',
    'The account to log in with' + (server.key_file ? '.' : '; no key file is set, so the ssh-agent and ~/.ssh/id_ed25519, id_rsa are tried.'),
  );
  note(host, 'ansible_port', 'The SSH port.');
  if (server.key_file) note(host, 'ansible_ssh_private_key_file', 'The private key for the login (its public key is in ~/.ssh/authorized_keys of that account on the server).');
  note(
    host,
    'ansible_become',
    server.sudo
      ? server.user === 'root'
        ? 'Become root with sudo (the login is root already, so sudo is not actually used).'
        : server.sudo_password
          ? `Run the tasks as root through sudo (${server.user} must be allowed to sudo).`
          : `Run the tasks as root through sudo, which lets ${server.user} in without a password (NOPASSWD).\n` +
            `If it asks for one, add  ansible_become_password: "\${${BECOME_PASSWORD_VARIABLE}}"  or pass -K.`
      : 'No sudo: the login account does the work' + (server.user === 'root' ? ' (it is root).' : ' (it must be root for most tasks).'),
  );
  if (server.sudo_password) {
    note(
      host,
      'ansible_become_password',
      `The sudo password is never stored in this file: it is read from the environment variable\n` +
        `${BECOME_PASSWORD_VARIABLE} of the machine that runs clamprovision. Before plan/apply run\n` +
        `  read -rs ${BECOME_PASSWORD_VARIABLE} && export ${BECOME_PASSWORD_VARIABLE}\n` +
        `or delete this line and pass -K (--ask-become-pass) to be asked for it.`,
    );
    const value = host.get('ansible_become_password', true);
    if (isScalar(value)) value.type = Scalar.QUOTE_DOUBLE;
  }
}

function serviceVars(service: ServiceAnswers, shown: (file: string) => string): Record<string, unknown> {
  const vars: Record<string, unknown> = { name: service.name, source: shown(service.source), wsgi: service.wsgi, url_prefix: service.url_prefix };
  if (service.pip_packages.length > 0) vars.pip_packages = service.pip_packages;
  return vars;
}

function annotateService(entry: YAMLMap, service: ServiceAnswers, site: string, index: number): void {
  if (index > 0) entry.spaceBefore = true;
  const paths = servicePaths(service.name);
  trailing(entry, 'name', `system id: unit ${paths.unit}, ${paths.home}, ${defaultDataDir(service.name)}`);
  note(entry, 'source', `Local directory, uploaded to ${paths.src_dir} (pip-installed when it has pyproject.toml or setup.py).`);
  note(entry, 'wsgi', 'The WSGI script, relative to source.');
  note(entry, 'url_prefix', `Served at ${site}${service.url_prefix === '/' ? '/' : `${service.url_prefix}/`}`);
  if (service.pip_packages.length > 0) {
    note(entry, 'pip_packages', 'Extra Python packages for its virtualenv (pip requirements).');
    const packages = entry.get('pip_packages', true) as unknown as YAMLSeq;
    packages.flow = true;
  }
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key) as Pair | undefined;
}

/** A comment on the lines before `key`. */
function note(map: YAMLMap, key: string, text: string): void {
  const pair = pairOf(map, key);
  if (!pair || !isScalar(pair.key)) return;
  pair.key.commentBefore = text
    .split('\n')
    .map((line) => ` ${line}`)
    .join('\n');
}

function trailing(map: YAMLMap, key: string, text: string): void {
  const pair = pairOf(map, key);
  if (pair && isScalar(pair.value)) pair.value.comment = ` ${text}`;
}

export function displayPath(file: string, inventoryDir: string, home: string): string {
  const inside = (dir: string) => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
  if (inside(inventoryDir)) return path.relative(inventoryDir, file) || '.';
  if (home !== path.sep && inside(home)) return `~/${path.relative(home, file)}`;
  return file;
}
