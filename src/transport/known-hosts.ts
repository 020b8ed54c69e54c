import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostPatternsMatch } from '../core/host-patterns.js';

/** What known_hosts says about the key a server presented. */
export type HostKeyVerdict =
  | { kind: 'known' }
  | { kind: 'unknown'; fingerprint: string; keyType: string }
  | { kind: 'changed'; fingerprint: string; keyType: string; expected: string[] }
  | { kind: 'revoked'; fingerprint: string; keyType: string }
  /** not known, but keys of other types are: a server that no longer offers those is suspect (OpenSSH warns too) */
  | { kind: 'other-types'; fingerprint: string; keyType: string; knownTypes: string[] }
  /** known_hosts trusts a certificate authority for this host: host certificates are not supported */
  | { kind: 'cert-authority'; fingerprint: string; keyType: string };

interface KnownHostEntry {
  marker?: string;
  hosts: string;
  keyType: string;
  key: string;
}

/** `SHA256:…` exactly as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type is the first length-prefixed string of an SSH public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** The name OpenSSH records: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

function parseEntries(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [hosts, keyType, key] = fields;
    if (hosts && keyType && key) entries.push({ marker, hosts, keyType, key });
  }
  return entries;
}

function hashedNameMatches(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

function hostsFieldMatches(hostsField: string, name: string): boolean {
  if (hostsField.startsWith('|')) return hashedNameMatches(hostsField, name);
  return hostPatternsMatch(hostsField.split(','), name);
}

/** The key types known_hosts holds for this host, so the client can ask the server for one of them. */
export function knownKeyTypes(knownHostsText: string, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  return parseEntries(knownHostsText)
    .filter((e) => !e.marker && hostsFieldMatches(e.hosts, name))
    .map((e) => e.keyType);
}

export function verifyHostKey(knownHostsText: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const keyType = keyTypeOf(keyBlob);
  const key = keyBlob.toString('base64');
  const print = fingerprint(keyBlob);
  const matching = parseEntries(knownHostsText).filter((e) => hostsFieldMatches(e.hosts, name));
  if (matching.some((e) => e.marker === '@revoked' && e.key === key)) {
    return { kind: 'revoked', fingerprint: print, keyType };
  }
  const plain = matching.filter((e) => !e.marker);
  if (plain.some((e) => e.keyType === keyType && e.key === key)) return { kind: 'known' };
  const sameType = plain.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) {
    return {
      kind: 'changed',
      fingerprint: print,
      keyType,
      expected: sameType.map((e) => fingerprint(Buffer.from(e.key, 'base64'))),
    };
  }
  if (matching.some((e) => e.marker === '@cert-authority')) return { kind: 'cert-authority', fingerprint: print, keyType };
  if (plain.length > 0) return { kind: 'other-types', fingerprint: print, keyType, knownTypes: [...new Set(plain.map((e) => e.keyType))] };
  return { kind: 'unknown', fingerprint: print, keyType };
}

/** Appends an entry (accept-new), on a line of its own even when the file does not end with a newline. */
export function appendKnownHost(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let before = '';
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    // no file yet
  }
  appendFileSync(file, `${before === '' || before.endsWith('\n') ? '' : '\n'}${line}\n`, { mode: 0o600 });
}
