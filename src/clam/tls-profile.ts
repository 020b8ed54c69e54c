/**
 * The TLS settings every HTTPS site gets: Mozilla's "intermediate" profile (ssl-config.mozilla.org),
 * TLS 1.2 and 1.3 with forward-secret AEAD ciphers only, the client choosing among them. Its
 * DHE-RSA suites are left out: they need a DH parameters file, and every client of the profile
 * speaks ECDHE.
 */
export interface TlsProfile {
  /** nginx's ssl_protocols words */
  protocols: string[];
  /** OpenSSL names of the TLS 1.2 cipher suites (TLS 1.3's are OpenSSL's defaults, all three allowed) */
  ciphers: string[];
  /** key exchange groups, in order */
  curves: string[];
  /** Strict-Transport-Security max-age of `hsts: true`: two years, as Mozilla recommends */
  hsts_max_age: number;
}

export const MOZILLA_INTERMEDIATE: TlsProfile = {
  protocols: ['TLSv1.2', 'TLSv1.3'],
  ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ],
  curves: ['X25519', 'prime256v1', 'secp384r1'],
  hsts_max_age: 63072000,
};
