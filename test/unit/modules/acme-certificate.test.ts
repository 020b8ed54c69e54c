/**
 * Issue 16 point 3: acme_certificate requests a certificate only when certbot holds none with the
 * wanted settings, says what it would request and from where, installs certbot's certificate when
 * the webserver's copy differs, and keeps the account's contact; the plan reads certbot's state on
 * the host but shows none of it.
 */
import test from 'ava';
import { acmeCertificate, renewalParams, type AcmeCertificateArgs } from '../../../src/modules/acme-certificate.js';
import type { PlannedChange } from '../../../src/modules/types.js';
import { MISSING, assertParses, fileFact, hostFacts } from './host-facts.js';

const context = { taskName: 'certificate', inHandler: false };
const DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
const args: AcmeCertificateArgs = acmeCertificate.schema.parse({
  domain: 'clam.example.org',
  email: 'admin@example.org',
  directory: DIRECTORY,
  webroot: '/var/www/clam-acme',
  deploy_hook: '/etc/clam/tls/acme/deploy-hook',
  installed_cert: '/etc/clam/tls/acme/fullchain.pem',
  account_record: '/etc/clam/tls/acme/account',
});

/** What certbot 2.1 writes for `certonly --webroot … --deploy-hook …`. */
function renewalConf(overrides: Record<string, string> = {}): string {
  const params = { account: '8bf183b3d1e1c9914bdbf33a869f4e19', server: DIRECTORY, authenticator: 'webroot', webroot_path: '/var/www/clam-acme,', renew_hook: '/etc/clam/tls/acme/deploy-hook', key_type: 'ecdsa', ...overrides };
  return [
    '# renew_before_expiry = 30 days',
    'version = 2.1.0',
    'archive_dir = /etc/letsencrypt/archive/clam.example.org',
    'cert = /etc/letsencrypt/live/clam.example.org/cert.pem',
    '',
    '# Options used in the renewal process',
    '[renewalparams]',
    ...Object.entries(params).map(([key, value]) => `${key} = ${value}`),
    '[[webroot_map]]',
    'clam.example.org = /var/www/clam-acme',
    '',
  ].join('\n');
}

function plan(state: { renewal?: string; installed?: boolean; account?: string }): PlannedChange | null {
  const probe = acmeCertificate.facts(args).find((request) => request.kind === 'probe')!;
  return acmeCertificate.plan(
    args,
    hostFacts({
      files: new Map([
        ['/etc/letsencrypt/renewal/clam.example.org.conf', state.renewal === undefined ? MISSING : fileFact(state.renewal)],
        [args.account_record, state.account === undefined ? MISSING : fileFact(`${state.account}\n`)],
      ]),
      probes: new Map([[(probe as { command: string }).command, state.installed ? 0 : 1]]),
    }),
    context,
  );
}

const settled = { renewal: renewalConf(), installed: true, account: 'admin@example.org' };

test('certbot holds the certificate with these settings, the webserver serves it, the contact is set: nothing to do', (t) => {
  t.is(plan(settled), null);
});

test('no certificate yet: plan names the request and the directory; the script asks certbot over HTTP-01 with the webroot and the deploy hook', (t) => {
  const change = plan({})!;
  t.deepEqual(change.summary, [`request a certificate for clam.example.org from ${DIRECTORY} (HTTP-01 through the webserver)`, 'ACME account contact: admin@example.org']);
  assertParses(change.script);
  t.true(change.script.includes(
    `certbot certonly --non-interactive --agree-tos --no-eff-email --email admin@example.org --server ${DIRECTORY} --webroot --webroot-path /var/www/clam-acme --cert-name clam.example.org --domains clam.example.org --deploy-hook /etc/clam/tls/acme/deploy-hook\n`,
  ));
  t.false(change.script.includes('--force-renewal'));
  t.is(change.diff, undefined, 'no diff: nothing of certbot\'s state is shown');
});

test('another directory (staging -> production): a new certificate is requested from it, forced, naming what differs', (t) => {
  const change = plan({ ...settled, renewal: renewalConf({ server: 'https://acme-staging-v02.api.letsencrypt.org/directory' }) })!;
  t.deepEqual(change.summary, [`request a new certificate for clam.example.org from ${DIRECTORY}: certbot's settings for it differ (directory: https://acme-staging-v02.api.letsencrypt.org/directory → ${DIRECTORY})`]);
  t.regex(change.script, /certbot certonly .* --force-renewal\n/);
});

test('a certificate certbot got with another authenticator and no hook (by hand): requested anew with ours', (t) => {
  const manual = renewalConf({ authenticator: 'standalone', webroot_path: '', renew_hook: '' }).replace(/^(webroot_path|renew_hook) = $/gm, '');
  const change = plan({ ...settled, renewal: manual })!;
  t.regex(change.summary[0]!, /authenticator: standalone → webroot; webroot: \(none\) → \/var\/www\/clam-acme; deploy hook: \(none\) → \/etc\/clam\/tls\/acme\/deploy-hook/);
});

test("the webserver's copy is not certbot's certificate: the deploy hook installs it, nothing is requested", (t) => {
  const change = plan({ ...settled, installed: false })!;
  t.deepEqual(change.summary, ["install certbot's certificate for clam.example.org where the webserver reads it (/etc/clam/tls/acme/fullchain.pem)"]);
  t.true(change.script.includes('RENEWED_LINEAGE=/etc/letsencrypt/live/clam.example.org /etc/clam/tls/acme/deploy-hook\n'));
  t.false(change.script.includes('certonly'));
});

test('a changed email updates the ACME account and nothing else', (t) => {
  const change = plan({ ...settled, account: 'old@example.org' })!;
  t.deepEqual(change.summary, ['ACME account contact: old@example.org → admin@example.org']);
  t.true(change.script.includes(`certbot update_account --non-interactive --no-eff-email --email admin@example.org --server ${DIRECTORY}\n`));
  t.false(change.script.includes('certonly'));
});

test("renewalParams reads certbot's [renewalparams] only", (t) => {
  const params = renewalParams(renewalConf());
  t.is(params.get('server'), DIRECTORY);
  t.is(params.get('webroot_path'), '/var/www/clam-acme,');
  t.false(params.has('cert'), 'a key above [renewalparams]');
  t.false(params.has('clam.example.org'), 'a key of [[webroot_map]]');
});

test('arguments that would break the certbot command line are refused', (t) => {
  t.throws(() => acmeCertificate.schema.parse({ ...args, domain: 'a b' }));
  t.throws(() => acmeCertificate.schema.parse({ ...args, email: "a'@b" }));
  t.throws(() => acmeCertificate.schema.parse({ ...args, directory: 'http://ca/dir' }));
});
