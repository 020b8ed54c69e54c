import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { runOk } from './exec.js';
import { HOST_KEYS_DIR, KNOWN_HOSTS_STATE, LAB_KEY, readJson, writeJson } from './state.js';

/** The lab's client key pair (root and deploy on every host accept it); made on first use. */
export async function ensureLabKey(): Promise<string> {
  if (!existsSync(LAB_KEY)) {
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'clamprovision-lab', '-f', LAB_KEY]);
  }
  chmodSync(LAB_KEY, 0o600);
  return readFileSync(`${LAB_KEY}.pub`, 'utf8').trim();
}

export interface HostKey {
  privateKeyPath: string;
  publicKey: string;
}

/** A host's ed25519 key, made once per host name and kept, so a re-created host keeps its identity. */
export async function ensureHostKey(host: string): Promise<HostKey> {
  const dir = join(HOST_KEYS_DIR, host);
  const privateKeyPath = join(dir, 'ssh_host_ed25519_key');
  if (!existsSync(privateKeyPath) || !existsSync(`${privateKeyPath}.pub`)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${host}`, '-f', privateKeyPath]);
  }
  return { privateKeyPath, publicKey: readFileSync(`${privateKeyPath}.pub`, 'utf8').trim() };
}

export function knownHostsFile(): string {
  return join(userInfo().homedir, '.ssh', 'known_hosts');
}

/** True when a known_hosts host field (plain list or |1|salt|hash) names this address on port 22. */
function hostFieldMatches(field: string, address: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = field.split('|');
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(address).digest('base64');
    return digest === hash;
  }
  return field.split(',').some((name) => name === address || name === `[${address}]:22`);
}

/** Same effect as `ssh-keygen -R ADDRESS`, without leaving a known_hosts.old behind. */
function removeKnownHostLines(file: string, addresses: string[]): void {
  if (!existsSync(file) || addresses.length === 0) return;
  const original = readFileSync(file, 'utf8');
  const kept = original.split('\n').filter((line) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return true;
    const fields = trimmed.split(/\s+/);
    const hostField = fields[0]?.startsWith('@') ? fields[1] : fields[0];
    return !addresses.some((address) => hostFieldMatches(hostField ?? '', address));
  });
  const updated = kept.join('\n');
  if (updated === original) return;
  const tmp = `${file}.clamprovision-lab-${process.pid}`;
  writeFileSync(tmp, updated, { mode: statSync(file).mode & 0o777 });
  renameSync(tmp, file);
}

interface KnownHostsState {
  file: string;
  addresses: string[];
  /** the lab made the file (or ~/.ssh): `down` removes it again when nothing else is in it */
  createdFile?: boolean;
  createdDir?: boolean;
}

/** Puts the lab hosts' keys into root's known_hosts so plain `ssh root@ADDRESS` works without prompts. */
export function addKnownHosts(entries: Array<{ address: string; publicKey: string; host: string }>): void {
  const file = knownHostsFile();
  const state = readJson<KnownHostsState>(KNOWN_HOSTS_STATE, { file, addresses: [] });
  if (!existsSync(dirname(file))) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    state.createdDir = true;
  }
  if (!existsSync(file)) state.createdFile = true;
  removeKnownHostLines(file, entries.map((e) => e.address));
  const lines = entries.map((e) => {
    const [type, key] = e.publicKey.split(/\s+/);
    return `${e.address} ${type} ${key} clamprovision-lab:${e.host}\n`;
  });
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const separator = existing && !existing.endsWith('\n') ? '\n' : '';
  writeFileSync(file, existing + separator + lines.join(''), { mode: 0o600 });
  state.addresses = [...new Set([...state.addresses, ...entries.map((e) => e.address)])];
  writeJson(KNOWN_HOSTS_STATE, state);
}

/** Removes every known_hosts entry the lab added. */
export function removeKnownHosts(): void {
  const state = readJson<KnownHostsState | null>(KNOWN_HOSTS_STATE, null);
  if (!state) return;
  removeKnownHostLines(state.file, state.addresses);
  if (state.createdFile && existsSync(state.file) && readFileSync(state.file, 'utf8').trim() === '') rmSync(state.file);
  if (state.createdDir && existsSync(dirname(state.file)) && readdirSync(dirname(state.file)).length === 0) rmdirSync(dirname(state.file));
  rmSync(KNOWN_HOSTS_STATE, { force: true });
}
