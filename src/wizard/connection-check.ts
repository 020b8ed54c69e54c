import os from 'node:os';
import path from 'node:path';
import type { ConnectionSettings } from '../inventory/types.js';
import { UnreachableError } from '../transport/errors.js';
import { SshHost } from '../transport/ssh-host.js';
import type { ServerAnswers } from './answers.js';

export type ConnectionCheck =
  | {
      ok: true;
      os: string;
      /** whether sudo gave root; 'skipped' when no password was given for the test */
      sudo: 'works' | 'not used' | 'skipped' | { failed: string };
    }
  | { ok: false; problem: string; unknownHostKey?: { keyType: string; fingerprint: string } };

export interface CheckOptions {
  acceptNewHostKey: boolean;
  /** for sudo's password prompt; undefined skips the sudo check when sudo asks for one */
  becomePassword?: string;
  knownHostsFile?: string;
}

export type CheckServer = (server: ServerAnswers, options: CheckOptions) => Promise<ConnectionCheck>;

const OS_SCRIPT = '. /etc/os-release; echo "$PRETTY_NAME"';
// `id -u` through sudo: 0 proves root; sudo's refusal surfaces as an error from SshHost.run.
const SUDO_SCRIPT = 'id -u';

/** Connects the way `apply` will (same transport, known_hosts, keys) and reports OS and sudo. */
export const checkServer: CheckServer = async (server, options) => {
  const knownHostsFile = options.knownHostsFile ?? path.join(os.homedir(), '.ssh', 'known_hosts');
  const settings: ConnectionSettings = {
    address: server.address,
    port: server.port,
    user: server.user,
    become: false,
    hostKeyChecking: true,
  };
  if (server.key_file) settings.privateKeyFile = server.key_file;

  let osName: string;
  try {
    const ssh = await SshHost.connect({ connection: settings, knownHostsFile, acceptNewHostKeys: options.acceptNewHostKey, timeoutMs: 10_000 });
    try {
      const result = await ssh.run(OS_SCRIPT);
      osName = result.stdout.trim() || 'unknown (no /etc/os-release)';
    } finally {
      await ssh.close();
    }
  } catch (error) {
    return failure(error);
  }

  if (!server.sudo || server.user === 'root') return { ok: true, os: osName, sudo: 'not used' };
  if (server.sudo_password && options.becomePassword === undefined) return { ok: true, os: osName, sudo: 'skipped' };
  try {
    const become: ConnectionSettings = { ...settings, become: true };
    const ssh = await SshHost.connect({
      connection: become,
      knownHostsFile,
      acceptNewHostKeys: false,
      ...(options.becomePassword === undefined ? {} : { becomePassword: options.becomePassword }),
      timeoutMs: 10_000,
    });
    try {
      const result = await ssh.run(SUDO_SCRIPT);
      if (result.code === 0 && result.stdout.trim() === '0') return { ok: true, os: osName, sudo: 'works' };
      return { ok: true, os: osName, sudo: { failed: result.stderr.trim() || `sudo ran, but not as root (id -u: ${result.stdout.trim()})` } };
    } finally {
      await ssh.close();
    }
  } catch (error) {
    return { ok: true, os: osName, sudo: { failed: (error as Error).message } };
  }
};

function failure(error: unknown): ConnectionCheck {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UnreachableError) {
    const unknown = /is not known \((\S+) (SHA256:[A-Za-z0-9+/=]+)\)/.exec(message);
    if (unknown) return { ok: false, problem: message, unknownHostKey: { keyType: unknown[1]!, fingerprint: unknown[2]! } };
  }
  return { ok: false, problem: message };
}
