import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSettings } from '../inventory/types.js';
import { UnreachableError } from './errors.js';

type AuthMethod =
  | { type: 'publickey'; username: string; key: Buffer; passphrase?: string }
  | { type: 'agent'; username: string; agent: string }
  | { type: 'password'; username: string; password: string };

function defaultKeyFiles(): string[] {
  return ['id_ed25519', 'id_rsa'].map((name) => join(homedir(), '.ssh', name)).filter((file) => existsSync(file));
}

/**
 * The authentication attempts, in order: the configured key file, else the agent and the default keys; then the
 * password. ssh2 tries them one after the other.
 */
export function authMethods(connection: ConnectionSettings, env: NodeJS.ProcessEnv = process.env): AuthMethod[] {
  const username = connection.user;
  const methods: AuthMethod[] = [];
  const keyFiles = connection.privateKeyFile ? [connection.privateKeyFile] : defaultKeyFiles();
  if (!connection.privateKeyFile && env.SSH_AUTH_SOCK) methods.push({ type: 'agent', username, agent: env.SSH_AUTH_SOCK });
  for (const file of keyFiles) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch (error) {
      throw new UnreachableError(`cannot read key file ${file}: ${(error as Error).message}`);
    }
    methods.push({ type: 'publickey', username, key });
  }
  if (connection.password !== undefined) methods.push({ type: 'password', username, password: connection.password });
  if (methods.length === 0) {
    throw new UnreachableError('no SSH credentials: set ansible_ssh_private_key_file or ansible_password, or run an ssh-agent');
  }
  return methods;
}
