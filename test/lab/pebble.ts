/**
 * The lab's ACME server: Debian's pebble on the bridge, run by the servers process. Its validation
 * authority resolves names through the lab's challenge DNS (the hosts' names -> their addresses)
 * and fetches HTTP-01 challenges from the hosts for real (PEBBLE_VA_ALWAYS_VALID stays off).
 *
 * The directory is served over HTTPS with a certificate from a CA made here once per lab instance
 * (directoryCaFile): an ACME client on a host trusts the directory through it. What pebble issues
 * is signed by roots pebble makes anew at each start (issuingRoot, from its management interface).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { runOk } from './exec.js';
import { BRIDGE_ADDRESS, STATE_DIR } from './state.js';

export const PEBBLE_PORT = 14000;
export const PEBBLE_MANAGEMENT_PORT = 15000;
export const CHALLENGE_DNS_PORT = 8053;

const PEBBLE_DIR = join(STATE_DIR, 'pebble');
const CONFIG = join(PEBBLE_DIR, 'pebble-config.json');
const CA_KEY = join(PEBBLE_DIR, 'directory-ca.key');
const CA_CERT = join(PEBBLE_DIR, 'directory-ca.pem');
const TLS_KEY = join(PEBBLE_DIR, 'directory.key');
const TLS_CERT = join(PEBBLE_DIR, 'directory.pem');

/** The ACME directory URL ACME clients on the lab hosts use. */
export function pebbleDirectoryUrl(): string {
  return `https://${BRIDGE_ADDRESS}:${PEBBLE_PORT}/dir`;
}

/** The CA of the directory's HTTPS certificate (PEM), for the ACME client to trust the directory. */
export function directoryCaFile(): string {
  return CA_CERT;
}

/** Makes the directory's CA, its certificate for the bridge address and pebble's configuration, unless there. */
export async function preparePebble(): Promise<void> {
  mkdirSync(PEBBLE_DIR, { recursive: true, mode: 0o700 });
  if (!existsSync(CA_CERT) || !existsSync(TLS_CERT)) {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    await runOk('openssl', ['req', '-x509', ...ec, '-keyout', CA_KEY, '-out', CA_CERT, '-days', '3650', '-subj', '/CN=clamprovision lab ACME directory CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const request = join(PEBBLE_DIR, 'directory.csr');
    const extensions = join(PEBBLE_DIR, 'directory.ext');
    await runOk('openssl', ['req', ...ec, '-keyout', TLS_KEY, '-out', request, '-subj', `/CN=${BRIDGE_ADDRESS}`]);
    writeFileSync(extensions, [
      `subjectAltName=IP:${BRIDGE_ADDRESS}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'));
    await runOk('openssl', ['x509', '-req', '-in', request, '-CA', CA_CERT, '-CAkey', CA_KEY, '-CAcreateserial', '-days', '3650', '-extfile', extensions, '-out', TLS_CERT]);
    rmSync(request);
  }
  const config = {
    pebble: {
      listenAddress: `${BRIDGE_ADDRESS}:${PEBBLE_PORT}`,
      managementListenAddress: `${BRIDGE_ADDRESS}:${PEBBLE_MANAGEMENT_PORT}`,
      certificate: TLS_CERT,
      privateKey: TLS_KEY,
      // where the validation authority fetches http-01 (and tls-alpn-01) challenges on the hosts
      httpPort: 80,
      tlsPort: 443,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  };
  writeFileSync(CONFIG, `${JSON.stringify(config, null, 2)}\n`);
}

/** How the servers process starts pebble (after preparePebble). */
export function pebbleCommand(): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const { PEBBLE_VA_ALWAYS_VALID: _alwaysValid, ...env } = process.env;
  return {
    command: 'pebble',
    args: ['-config', CONFIG, '-dnsserver', `${BRIDGE_ADDRESS}:${CHALLENGE_DNS_PORT}`],
    env: {
      ...env,
      // validate at once (pebble waits 0-5 s at random by default), and never refuse a good nonce
      // (5% by default: clients must retry, which is not what these tests are about)
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
    },
  };
}

/** The root pebble signs certificates with (PEM); pebble makes a new one at each start. */
export function issuingRoot(): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      { host: BRIDGE_ADDRESS, port: PEBBLE_MANAGEMENT_PORT, path: '/roots/0', ca: readFileSync(CA_CERT, 'utf8'), timeout: 10_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 200 && body.includes('BEGIN CERTIFICATE')) resolve(body);
          else reject(new Error(`pebble's /roots/0 answered ${response.statusCode}: ${body.slice(0, 200)}`));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error("pebble's management interface did not answer")));
    request.on('error', reject);
  });
}
