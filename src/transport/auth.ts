import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSettings, SshEndpoint } from '../inventory/types.js';
import { UnreachableError } from './errors.js';

type AuthMethod =
  | { type: 'publickey'; username: string; key: Buffer; passphrase?: string }
  | { type: 'agent'; username: string; agent: string }
  | { type: 'password'; username: string; password: string };

function defaultKeyFiles(): string[] {
  return ['id_ed25519', 'id_rsa'].map((name) => join(homedir(), '.ssh', name)).filter((file) => existsSync(file));
}

/**
 * The authentication attempts, in order: the configured key file (ansible_ssh_private_key_file), else
 * the agent and the ssh config's IdentityFiles (or, without those, the default keys); then the
 * password. ssh2 tries them one after the other. A jump host is an endpoint without key file or password.
 */
export function authMethods(connection: SshEndpoint & Pick<ConnectionSettings, 'privateKeyFile' | 'password'>, env: NodeJS.ProcessEnv = process.env): AuthMethod[] {
  const username = connection.user;
  const methods: AuthMethod[] = [];
  const configured = connection.identityFiles?.filter((file) => existsSync(file));
  const keyFiles = connection.privateKeyFile ? [connection.privateKeyFile] : configured?.length ? configured : defaultKeyFiles();
  const agent = connection.agentSocket === undefined || connection.agentSocket === 'SSH_AUTH_SOCK' ? env.SSH_AUTH_SOCK : connection.agentSocket === 'none' ? undefined : connection.agentSocket;
  if (!connection.privateKeyFile && agent) methods.push({ type: 'agent', username, agent });
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
    throw new UnreachableError(`no SSH credentials for ${username}@${connection.address}: set ansible_ssh_private_key_file or ansible_password, or run an ssh-agent`);
  }
  return methods;
}
