/**
 * Issue 16 point 3: `tls.acme` as the CLAM schema reads it: defaults (Let's Encrypt), the staging
 * directory and a private CA by name or URL, where things live on the host; bad input with its
 * position in the inventory, before any host is contacted.
 */
import test from 'ava';
import type { ClamVars } from '../../../src/clam/types.js';
import { normalizeClamVars } from '../../../src/clam/variables.js';
import { inputErrorsIn } from '../../../src/core/errors.js';
import { parseYamlText } from '../../../src/input/yaml-source.js';
import { lines, tempTree } from '../input/temp-files.js';

const service = ['services:', '  - {name: a, wsgi: /a.wsgi}'];
const CA = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';

function normalize(yaml: string[], files: Record<string, string> = {}, host = 'clam.example.org'): ClamVars {
  const vars = parseYamlText(lines(...yaml), 'inventory.yml') as Record<string, unknown>;
  return normalizeClamVars(vars, { name: host, inventoryDir: tempTree(files), location: { file: "inventory.yml", line: 3, col: 5 } }) as unknown as ClamVars;
}

function errorsOf(yaml: string[], files: Record<string, string> = {}): string[] {
  try {
    normalize(yaml, files);
  } catch (error) {
    const list = inputErrorsIn(error);
    if (!list) throw error;
    return list.map((e) => `${e.location?.line}:${e.location?.col} ${e.message}`);
  }
  return [];
}

test("tls.acme: Let's Encrypt by default, for server_name, the certificate where certbot's deploy hook installs it", (t) => {
  const vars = normalize(['tls: {acme: {email: admin@example.org}}', ...service]);
  t.is(vars.tls?.files, null);
  t.is(vars.tls?.hsts_max_age, null);
  t.like(vars.tls?.acme, {
    email: 'admin@example.org',
    directory: 'https://acme-v02.api.letsencrypt.org/directory',
    domain: 'clam.example.org',
    ca_bundle: null,
    webroot: '/var/www/clam-acme',
    deploy_hook: '/etc/clam/tls/acme/deploy-hook',
  });
  t.deepEqual(vars.tls_on_host, { dir: '/etc/clam/tls/acme', cert: '/etc/clam/tls/acme/fullchain.pem', key: '/etc/clam/tls/acme/privkey.pem' });
  t.deepEqual(vars.health_urls, ['https://127.0.0.1:443/']);
  t.is(vars.services[0]!.public_url, 'https://clam.example.org');
});

test("tls.acme.directory: Let's Encrypt's staging by name, a private CA by URL with its CA bundle; hsts", (t) => {
  t.is(normalize(['tls: {acme: {email: a@example.org, directory: letsencrypt-staging}}', ...service]).tls?.acme?.directory, 'https://acme-staging-v02.api.letsencrypt.org/directory');
  const vars = normalize(['server_name: web.internal', 'tls: {acme: {email: a@example.org, directory: "https://ca.internal:9000/acme/directory", ca_bundle: ca.pem}, hsts: true}', ...service], { 'ca.pem': CA });
  t.is(vars.tls?.acme?.directory, 'https://ca.internal:9000/acme/directory');
  t.regex(vars.tls?.acme?.ca_bundle ?? '', /\/ca\.pem$/);
  t.is(vars.tls?.acme?.domain, 'web.internal');
  t.is(vars.tls?.hsts_max_age, 63072000);
});

const BAD: Array<[string, string[], Record<string, string>, RegExp]> = [
  ['no email', ['tls: {acme: {directory: letsencrypt}}', ...service], {}, /^1:13 .*tls\.acme\.email is required/],
  ['email not an address', ['tls: {acme: {email: webmaster}}', ...service], {}, /^1:21 .*tls\.acme\.email must be an email address/],
  ['directory over http', ['tls: {acme: {email: a@b.org, directory: "http://ca/dir"}}', ...service], {}, /^1:41 .*tls\.acme\.directory must be letsencrypt, letsencrypt-staging or the https URL of an ACME directory, not 'http:\/\/ca\/dir'/],
  ['directory a name of no directory', ['tls: {acme: {email: a@b.org, directory: toString}}', ...service], {}, /^1:41 .*tls\.acme\.directory must be letsencrypt, letsencrypt-staging or the https URL/],
  ['a misspelt key', ['tls: {acme: {email: a@b.org, diretcory: letsencrypt}}', ...service], {}, /^1:30 .*tls\.acme: unknown key 'diretcory' \(did you mean 'directory'\?\)/],
  ['acme with cert', ['tls: {acme: {email: a@b.org}, cert: c.pem}', ...service], {}, /^1:37 .*tls\.cert is for a certificate of your own; with acme/],
  ['neither', ['tls: {hsts: true}', ...service], {}, /^1:6 .*tls needs cert and key .* or acme: \{email: …\}/],
  ['hsts a word', ['tls: {acme: {email: a@b.org}, hsts: always}', ...service], {}, /^1:37 .*tls\.hsts must be true \(two years\), false, or a max-age in seconds/],
  ['http_port not 80', ['http_port: 8080', 'tls: {acme: {email: a@b.org}}', ...service], {}, /^1:12 .*tls\.acme: the CA validates over HTTP on port 80 \(HTTP-01\), and http_port is 8080/],
  ['server_name an address', ['server_name: 192.0.2.7', 'tls: {acme: {email: a@b.org}}', ...service], {}, /^1:14 .*tls\.acme: the certificate is for server_name '192\.0\.2\.7', which is no DNS name/],
  ['ca_bundle missing', ['tls: {acme: {email: a@b.org, ca_bundle: ca.pem}}', ...service], {}, /^1:41 .*tls\.acme\.ca_bundle: the CA file .*ca\.pem (does not exist|is not)/],
  ['ca_bundle no certificate', ['tls: {acme: {email: a@b.org, ca_bundle: ca.pem}}', ...service], { 'ca.pem': 'hello\n' }, /^1:41 .*tls\.acme\.ca_bundle: the CA file .*ca\.pem holds no PEM certificate/],
];

for (const [title, yaml, files, expected] of BAD) {
  test(`bad tls.acme input, with its position: ${title}`, (t) => {
    const errors = errorsOf(yaml, files);
    t.true(errors.some((error) => expected.test(error)), errors.join('\n'));
  });
}
