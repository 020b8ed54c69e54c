/**
 * Issue 16 points 3 and 4 in the webserver configurations: Mozilla's "intermediate" TLS profile on
 * every HTTPS site, HSTS when asked, HTTP redirected to HTTPS, and with tls.acme the ACME challenges
 * answered on port 80 from certbot's webroot (not redirected) and the certificate read from where
 * certbot's deploy hook installs it.
 */
import test from 'ava';
import { MOZILLA_INTERMEDIATE } from '../../../src/clam/tls-profile.js';
import { directives, helloService, hostVars, render } from './render.js';
import { assertParses } from '../modules/host-facts.js';

const acme = { acme: { email: 'admin@example.org' } };
const ownFiles = { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' };
const CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';

function nginx(tls: Record<string, unknown>): string[] {
  return directives(render('nginx-clam.conf.ejs', hostVars({ tls, server_name: 'clam.example.org', services: [helloService('/hello')] })));
}

function apache(tls: Record<string, unknown>, webserver = 'apache-uwsgi'): string[] {
  return directives(render('apache-clam.conf.ejs', hostVars({ webserver, tls, server_name: 'clam.example.org', services: [helloService('/hello')] })));
}

/** The lines from `start` up to the line `end` (exclusive). */
function section(lines: string[], start: string, end: string): string[] {
  const from = lines.indexOf(start);
  return from < 0 ? [] : lines.slice(from + 1, lines.indexOf(end, from));
}

test("the profile is Mozilla's intermediate: TLS 1.2 and 1.3, forward-secret AEAD ciphers only", (t) => {
  t.deepEqual(MOZILLA_INTERMEDIATE.protocols, ['TLSv1.2', 'TLSv1.3']);
  t.is(MOZILLA_INTERMEDIATE.ciphers.join(':'), CIPHERS);
  t.true(MOZILLA_INTERMEDIATE.ciphers.every((cipher) => /^ECDHE-(ECDSA|RSA)-.*(GCM|POLY1305)/.test(cipher)));
});

for (const [label, tls] of [['a certificate of your own', ownFiles], ['acme', acme]] as const) {
  test(`nginx with ${label}: the intermediate profile on 443, no HSTS unless asked`, (t) => {
    const lines = nginx(tls);
    for (const line of ['ssl_protocols TLSv1.2 TLSv1.3;', `ssl_ciphers ${CIPHERS};`, 'ssl_ecdh_curve X25519:prime256v1:secp384r1;', 'ssl_prefer_server_ciphers off;', 'ssl_session_tickets off;']) {
      t.true(lines.includes(line), line);
    }
    t.false(lines.some((line) => line.includes('Strict-Transport-Security')));
    t.true(nginx({ ...tls, hsts: true }).includes('add_header Strict-Transport-Security "max-age=63072000" always;'));
    t.true(nginx({ ...tls, hsts: 86400 }).includes('add_header Strict-Transport-Security "max-age=86400" always;'));
  });

  for (const webserver of ['apache-uwsgi', 'apache-wsgi']) {
    test(`${webserver} with ${label}: the intermediate profile on *:443, no HSTS unless asked`, (t) => {
      const https = section(apache(tls, webserver), '<VirtualHost *:443>', '</VirtualHost>');
      for (const line of ['SSLProtocol -all +TLSv1.2 +TLSv1.3', `SSLCipherSuite ${CIPHERS}`, 'SSLOpenSSLConfCmd Curves X25519:prime256v1:secp384r1', 'SSLHonorCipherOrder off', 'SSLSessionTickets off']) {
        t.true(https.includes(line), line);
      }
      t.false(https.some((line) => line.includes('Strict-Transport-Security')));
      t.true(section(apache({ ...tls, hsts: 'yes' }, webserver), '<VirtualHost *:443>', '</VirtualHost>').includes('Header always set Strict-Transport-Security "max-age=63072000"'));
    });
  }
}

test('nginx with acme: port 80 answers the ACME challenges from the webroot and redirects the rest; 443 reads the installed copy', (t) => {
  const lines = nginx(acme);
  const redirect = section(lines, 'server {', 'location / {');
  t.deepEqual(section(redirect, 'location ^~ /.well-known/acme-challenge/ {', '}'), ['root /var/www/clam-acme;', 'default_type text/plain;']);
  t.deepEqual(section(lines, 'location / {', '}'), ['return 301 https://$host$request_uri;']);
  t.true(lines.includes('ssl_certificate /etc/clam/tls/acme/fullchain.pem;'));
  t.true(lines.includes('ssl_certificate_key /etc/clam/tls/acme/privkey.pem;'));
  t.false(nginx(ownFiles).some((line) => line.includes('acme-challenge')), 'no challenge location with a certificate of your own');
});

for (const webserver of ['apache-uwsgi', 'apache-wsgi']) {
  test(`${webserver} with acme: *:80 answers the ACME challenges and redirects everything else to https`, (t) => {
    const lines = apache(acme, webserver);
    const http = section(lines, '<VirtualHost *:80>', '</VirtualHost>');
    t.true(http.includes('Alias /.well-known/acme-challenge/ /var/www/clam-acme/.well-known/acme-challenge/'));
    t.true(http.includes('RedirectMatch permanent ^/(?!\\.well-known/acme-challenge/)(.*)$ https://clam.example.org/$1'));
    t.false(http.some((line) => line.startsWith('Redirect ')), 'no Redirect of everything');
    const redirect = /^RedirectMatch permanent (\S+) /.exec(http.find((line) => line.startsWith('RedirectMatch'))!)![1]!;
    t.true(new RegExp(redirect).test('/hello/x'));
    t.false(new RegExp(redirect).test('/.well-known/acme-challenge/token'));
    const https = section(lines, '<VirtualHost *:443>', '</VirtualHost>');
    t.true(https.includes('SSLCertificateFile /etc/clam/tls/acme/fullchain.pem'));
    t.true(https.includes('SSLCertificateKeyFile /etc/clam/tls/acme/privkey.pem'));
  });
}

test("certbot's deploy hook installs only the certificate of server_name, then reloads the host's webserver", (t) => {
  for (const [webserver, unit] of [['nginx', 'nginx'], ['apache-wsgi', 'apache2']]) {
    const hook = render('acme-deploy-hook.ejs', hostVars({ webserver, tls: acme, server_name: 'clam.example.org', services: [helloService('/hello')] }));
    assertParses(hook);
    const lines = directives(hook);
    t.true(lines.includes('[ "${RENEWED_LINEAGE:-}" = /etc/letsencrypt/live/clam.example.org ] || exit 0'));
    t.true(lines.includes('mv -f -- /etc/clam/tls/acme/fullchain.pem.new /etc/clam/tls/acme/fullchain.pem'));
    t.is(lines.at(-1), `systemctl try-reload-or-restart ${unit}`);
  }
});
