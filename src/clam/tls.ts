import { readFileSync } from 'node:fs';
import { locate } from '../input/yaml-source.js';
import { localPath, unreadableFile } from '../inventory/connection.js';
import type { SchemaHost } from '../playbook/vars-schemas.js';
import { ACME_ON_HOST } from './host-paths.js';
import { readTlsFiles } from './local-files.js';
import type { Problems } from './problems.js';
import { isDnsName } from './rules.js';
import { ACME_DIRECTORIES, type ParsedTls } from './schema.js';
import { MOZILLA_INTERMEDIATE } from './tls-profile.js';
import type { ClamTls } from './types.js';

/** `tls` with its defaults: a certificate of one's own (files on the controller) or one from ACME; the profile and HSTS. */
export function deriveTls(tls: ParsedTls, raw: Record<string, unknown>, serverName: string, httpPort: number, host: SchemaHost, problems: Problems): ClamTls {
  const rawTls = raw.tls as Record<string, unknown>;
  const hsts_max_age = tls.hsts === true ? MOZILLA_INTERMEDIATE.hsts_max_age : tls.hsts === false || tls.hsts === undefined ? null : tls.hsts;
  const common = { hsts_max_age, profile: MOZILLA_INTERMEDIATE };
  if (tls.acme === undefined) {
    const read = readTlsFiles({ cert: tls.cert!, key: tls.key! }, host.inventoryDir);
    for (const which of ['cert', 'key'] as const) {
      const problem = read.problems[which];
      const what = which === 'cert' ? 'certificate' : 'private key';
      if (problem) problems.add(`tls.${which}: the TLS ${what} file ${read.files[which]} ${problem}`, locate(rawTls, which));
    }
    return { files: read.files, acme: null, ...common };
  }

  const rawAcme = rawTls.acme as Record<string, unknown>;
  // HTTP-01: the CA fetches http://NAME/.well-known/acme-challenge/… on port 80, from the name's DNS address
  if (!isDnsName(serverName)) {
    problems.add(`tls.acme: the certificate is for server_name '${serverName}', which is no DNS name (letters, digits, - and dots; no IP address): set server_name to the name the CA validates`, locate(raw, 'server_name') ?? locate(rawTls, 'acme'));
  }
  if (httpPort !== 80) {
    problems.add(`tls.acme: the CA validates over HTTP on port 80 (HTTP-01), and http_port is ${httpPort}: leave http_port at 80 with acme`, locate(raw, 'http_port') ?? locate(rawTls, 'acme'));
  }
  let ca_bundle: string | null = null;
  if (tls.acme.ca_bundle !== undefined) {
    ca_bundle = localPath(tls.acme.ca_bundle, host.inventoryDir);
    const problem = unreadableFile(ca_bundle) ?? (isPemCertificates(ca_bundle) ? undefined : 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    if (problem) problems.add(`tls.acme.ca_bundle: the CA file ${ca_bundle} ${problem}`, locate(rawAcme, 'ca_bundle'));
  }
  const directory = tls.acme.directory === undefined ? ACME_DIRECTORIES.letsencrypt! : (Object.hasOwn(ACME_DIRECTORIES, tls.acme.directory) ? ACME_DIRECTORIES[tls.acme.directory]! : tls.acme.directory);
  return { files: null, acme: { ...ACME_ON_HOST, email: tls.acme.email, directory, ca_bundle, domain: serverName }, ...common };
}

function isPemCertificates(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes('-----BEGIN CERTIFICATE-----');
  } catch {
    return false;
  }
}
