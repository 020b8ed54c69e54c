/**
 * Issue 16, build points 3 and 4: a certificate from ACME (`tls.acme`) and the TLS defaults, on one
 * nginx host, against the lab's pebble (a real ACME server on the bridge whose validation fetches
 * the HTTP-01 challenges from the host, found by its name through the lab's DNS).
 * - plan before the first apply names the certificate it would request;
 * - the certificate pebble issued for the host's name is served on 443 and verifies against
 *   pebble's root (openssl s_client -verify_return_error), HSTS on;
 * - HTTP redirects to HTTPS (the challenge path excepted); TLS 1.1 and a CBC cipher outside
 *   Mozilla's intermediate profile are refused, TLS 1.2 and 1.3 accepted;
 * - a forced renewal by certbot reloads nginx, which then serves the new certificate;
 * - a second run requests nothing (plan exits 0);
 * - neither the ACME account key nor the certificate's private key shows in `apply --json --diff -v`.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAcmeDirectory, labAcmeDirectoryCa, labAcmeIssuingRoot, labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { startCli, type CliRun } from '../helpers/cli.js';
import { testTempDir } from '../helpers/temp-dir.js';
import { explain, hello, hostReport, onHost, writeInventory } from './helpers.js';

const HOST = 'e2e-acme';
const EMAIL = 'webmaster@clam.example.org';

if (!labAvailable) test.skip(labUnavailableReason, () => {});

// the host stops when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

interface Deployment {
  host: LabHost;
  inventory: string;
  /** pebble's issuing root, PEM, in a file */
  root: string;
  plan: CliRun;
  first: CliRun;
}

function run(args: string[]): Promise<CliRun> {
  return startCli(args, { timeoutMs: 30 * 60_000 }).done;
}

/** A program on this machine: its exit code and output (never rejects). */
function local(program: string, args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(program, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
    // a program that exits at once (a refused handshake) closes its stdin before it is written
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** A TLS handshake with the host as a browser for `name` makes it, verified against `root`. */
function handshake(d: Deployment, extra: string[] = []): Promise<{ code: number; out: string }> {
  return local('openssl', ['s_client', '-connect', `${d.host.address}:443`, '-servername', d.host.name, '-verify_hostname', d.host.name,
    '-verify_return_error', '-CAfile', d.root, ...extra]);
}

/** The serial number of the certificate the host serves on 443. */
async function servedSerial(d: Deployment): Promise<string> {
  const hello = await handshake(d, ['-showcerts']);
  const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(hello.out)?.[0];
  if (hello.code !== 0 || leaf === undefined) throw new Error(`no verified certificate on 443:\n${hello.out}`);
  return (await local('openssl', ['x509', '-noout', '-serial'], leaf)).out.trim();
}

function curl(d: Deployment, args: string[]): Promise<{ code: number; out: string }> {
  return local('curl', ['-sS', '--max-time', '10', '--resolve', `${d.host.name}:80:${d.host.address}`, '--resolve', `${d.host.name}:443:${d.host.address}`, ...args]);
}

const deployment: Promise<Deployment> = labAvailable
  ? (async () => {
      const [host] = await labHosts([HOST], { fresh: true });
      const inventory = writeInventory([host!], {
        tls: { acme: { email: EMAIL, directory: labAcmeDirectory(), ca_bundle: labAcmeDirectoryCa() }, hsts: true },
        services: [hello('hello', '/hello')],
      });
      const plan = await run(['plan', inventory, '--json']);
      const first = await run(['apply', inventory, '--json', '--diff', '-v']);
      if (first.code !== 0) throw new Error(`the first apply failed: ${explain(first)}`);
      const root = join(testTempDir('pebble'), 'root.pem');
      writeFileSync(root, await labAcmeIssuingRoot());
      return { host: host!, inventory, root, plan, first };
    })()
  : Promise.reject(new Error(labUnavailableReason));
deployment.catch(() => {});

function acmeTest(title: string, body: (t: ExecutionContext, d: Deployment) => Promise<void>): void {
  test.serial(title, async (t) => {
    t.timeout(40 * 60_000);
    await body(t, await deployment);
  });
}

acmeTest('plan before the first apply says which certificate it would request, and from where', async (t, d) => {
  t.is(d.plan.code, 2, explain(d.plan));
  const task = hostReport(d.plan, HOST)?.tasks.find((entry) => entry.module === 'acme_certificate');
  t.is(task?.status, 'changed');
  t.deepEqual(task?.summary, [`request a certificate for ${HOST} from ${labAcmeDirectory()} (HTTP-01 through the webserver)`, `ACME account contact: ${EMAIL}`]);
});

acmeTest("the certificate pebble issued for the host's name is served on 443 and verifies against pebble's root", async (t, d) => {
  const verified = await handshake(d);
  t.is(verified.code, 0, verified.out);
  t.regex(verified.out, /Verify return code: 0 \(ok\)/);
  t.regex(verified.out, /issuer=.*Pebble Intermediate CA/);

  const page = await curl(d, ['--cacert', d.root, '-D', '-', `https://${HOST}/hello/`]);
  t.is(page.code, 0, page.out);
  t.regex(page.out, /^HTTP\/1\.1 200/);
  t.regex(page.out, /strict-transport-security: max-age=63072000/i);
  t.regex(page.out, /SCRIPT_NAME=\/hello/);
});

acmeTest('HTTP redirects to HTTPS, except the ACME challenges', async (t, d) => {
  const redirect = await curl(d, ['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://${HOST}/hello/x?y=1`]);
  t.is(redirect.out, `301 https://${HOST}/hello/x?y=1`);
  // certbot removes the challenge directory after each validation
  await onHost(d.host, "mkdir -p /var/www/clam-acme/.well-known/acme-challenge && printf 'token.key' > /var/www/clam-acme/.well-known/acme-challenge/e2e-probe");
  const challenge = await curl(d, ['-w', ' %{http_code}', `http://${HOST}/.well-known/acme-challenge/e2e-probe`]);
  t.is(challenge.out, 'token.key 200');
});

acmeTest('TLS 1.2 and 1.3 are accepted; TLS 1.1 and a CBC cipher outside the profile are refused', async (t, d) => {
  t.is((await handshake(d, ['-tls1_3'])).code, 0);
  const tls12 = await handshake(d, ['-tls1_2']);
  t.is(tls12.code, 0, tls12.out);
  t.regex(tls12.out, /Cipher is ECDHE-(ECDSA|RSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)/);
  // SECLEVEL=0: this machine's OpenSSL would not even offer TLS 1.1 otherwise
  t.not((await handshake(d, ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0'])).code, 0);
  // the certificate is ECDSA: a cipher nginx's default (HIGH) would take with it, not Mozilla's intermediate
  t.not((await handshake(d, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA'])).code, 0);
});

acmeTest('a forced renewal by certbot reloads nginx, which serves the new certificate (its serial changes)', async (t, d) => {
  const before = await servedSerial(d);
  await onHost(d.host, 'certbot renew --force-renewal --no-random-sleep-on-renew');
  const after = await servedSerial(d);
  t.regex(after, /^serial=/);
  t.not(after, before);
  t.is(await onHost(d.host, "grep -c '^renew_hook = /etc/clam/tls/acme/deploy-hook$' /etc/letsencrypt/renewal/e2e-acme.conf"), '1');
});

acmeTest('a second run requests nothing: plan exits 0', async (t, d) => {
  const again = await run(['plan', d.inventory, '--json']);
  t.is(again.code, 0, explain(again));
  t.is(hostReport(again, HOST)?.tasks.find((entry) => entry.module === 'acme_certificate')?.status, 'ok');
});

acmeTest('neither the ACME account key nor the private key of the certificate shows in apply --json --diff -v', async (t, d) => {
  const output = `${d.first.stdout}\n${d.first.stderr}`;
  t.true(output.includes('acme_certificate'), 'the output is the apply that requested the certificate');
  const accountKey = JSON.parse(await onHost(d.host, 'cat /etc/letsencrypt/accounts/*/*/*/private_key.json')) as Record<string, string>;
  for (const part of ['d', 'p', 'q']) {
    t.truthy(accountKey[part], `certbot's account key (RSA) has no ${part}`);
    t.false(output.includes(accountKey[part]!), `the account key's ${part} is shown`);
  }
  const certificateKey = await onHost(d.host, 'cat /etc/letsencrypt/archive/e2e-acme/privkey1.pem');
  const body = certificateKey.split('\n').filter((line) => !line.startsWith('-----'));
  t.true(body.length > 0);
  for (const line of body) t.false(output.includes(line), 'a line of the private key is shown');
  t.false(/PRIVATE KEY/.test(output));
});
