import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { NodeSSH } from 'node-ssh';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Channel } from 'ssh2';
import type { ConnectionSettings, SshEndpoint } from '../inventory/types.js';
import { authMethods } from './auth.js';
import { ConnectionLostError, UnreachableError } from './errors.js';
import { appendKnownHost, knownHostsLine, knownKeyTypes, verifyHostKey, type HostKeyVerdict } from './known-hosts.js';
import type { ConnectHost, HeldCommand, RemoteHost, RunOptions, RunResult } from './remote-host.js';
import { LOCKED_LINE, lockScript } from './run-lock.js';

export interface ConnectOptions {
  connection: ConnectionSettings;
  /**
   * known_hosts for each hop that names none of its own (UserKnownHostsFile): a host's own file is not
   * its jump hosts' (OpenSSH reaches a jump host with an ssh of its own, configured for that host)
   */
  knownHostsFile: string;
  acceptNewHostKeys: boolean;
  /** the become password (-K or ansible_become_password) */
  becomePassword?: string;
  timeoutMs?: number;
}

/** sshd allows 10 sessions per connection by default; stay below that. */
const MAX_CHANNELS = 8;
const SUDO_PROMPT = '[clamprovision-sudo-prompt]';
const BECOME_MARKER = 'CLAMPROVISION-BECOME-OK';

const DEFAULT_HOST_KEY_ORDER = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  // no 'ssh-rsa': an RSA host key signed with SHA-1 is refused, as OpenSSH (8.8+) does
] as const;

function readKnownHosts(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function hostKeyRefusal(verdict: HostKeyVerdict, address: string, port: number, file: string): string {
  switch (verdict.kind) {
    case 'changed':
      return (
        `host key of ${address}:${port} has CHANGED (possible man-in-the-middle attack): the server offers ` +
        `${verdict.keyType} ${verdict.fingerprint}, ${file} expects ${verdict.expected.join(' or ')}. ` +
        `If the change is expected, remove the old key with: ssh-keygen -R ${port === 22 ? address : `'[${address}]:${port}'`}`
      );
    case 'revoked':
      return `host key of ${address}:${port} (${verdict.fingerprint}) is marked @revoked in ${file}`;
    case 'other-types':
      return (
        `host key of ${address}:${port} is not known (${verdict.keyType} ${verdict.fingerprint}), but keys of another type ` +
        `are known for this host (${verdict.knownTypes.join(', ')} in ${file}), which the server did not offer: refused, ` +
        `also with --accept-new-host-keys. If the host's keys were replaced, remove the old ones with: ssh-keygen -R ${port === 22 ? address : `'[${address}]:${port}'`}`
      );
    case 'cert-authority':
      return (
        `host key of ${address}:${port} (${verdict.keyType} ${verdict.fingerprint}) is not known; ${file} trusts a certificate ` +
        `authority for this host (@cert-authority), but clamprovision does not check host certificates: add the host's key itself`
      );
    case 'unknown':
      return (
        `host key of ${address}:${port} is not known (${verdict.keyType} ${verdict.fingerprint}); ` +
        `check the fingerprint and run again with --accept-new-host-keys to trust it`
      );
    default:
      return '';
  }
}

/** What every host of a run is connected with, unless its inventory entry says otherwise. */
export interface SshDefaults {
  knownHostsFile: string;
  acceptNewHostKeys: boolean;
  /** the become password given with -K; wins over the inventory's ansible_become_password */
  becomePassword?: string;
  timeoutMs: number;
}

/** The engine's connect function for SSH hosts. */
export function sshConnector(defaults: SshDefaults): ConnectHost {
  return (connection) =>
    SshHost.connect({
      connection,
      knownHostsFile: defaults.knownHostsFile,
      acceptNewHostKeys: defaults.acceptNewHostKeys,
      becomePassword: defaults.becomePassword ?? connection.becomePassword,
      timeoutMs: defaults.timeoutMs,
    });
}

/** One SSH connection to one host; every remote command is one exec channel and is counted. */
export class SshHost implements RemoteHost {
  /** SSH exec channels opened (the SPEC's `commands`) */
  commands = 0;
  private lost: Error | undefined;
  private readonly channels: LimitFunction = pLimit(MAX_CHANNELS);

  private constructor(
    private readonly ssh: NodeSSH,
    readonly settings: ConnectionSettings,
    private readonly becomePassword: string | undefined,
    /** the jump hosts' connections, first to last */
    private readonly hops: NodeSSH[] = [],
  ) {}

  /** Connects through each jump host in turn (ProxyJump), then to the host itself. */
  static async connect(options: ConnectOptions): Promise<SshHost> {
    const { connection } = options;
    const hops: NodeSSH[] = [];
    const jumps = connection.jumps ?? [];
    let sock: Channel | undefined;
    try {
      for (const [index, jump] of jumps.entries()) {
        const hop = await connectVerified(jump, { ...options, knownHostsFile: jump.knownHostsFile ?? options.knownHostsFile }, sock).catch((error: Error) => {
          throw new UnreachableError(`jump host ${jump.user}@${jump.address}:${jump.port}: ${error.message}`);
        });
        // A jump host's failure surfaces as the loss of the connection through it; unheard, it would crash the process.
        hop.connection?.on('error', () => undefined);
        hops.push(hop);
        const next = jumps[index + 1] ?? connection;
        sock = await hop.forwardOut('127.0.0.1', 0, next.address, next.port).catch((error: Error) => {
          throw new UnreachableError(`jump host ${jump.address} cannot reach ${next.address}:${next.port}: ${error.message}`);
        });
      }
      const ssh = await connectVerified(connection, { ...options, knownHostsFile: connection.knownHostsFile ?? options.knownHostsFile }, sock);
      const host = new SshHost(ssh, connection, options.becomePassword, hops);
      // Without a listener, an ECONNRESET after connect would crash the whole process.
      ssh.connection?.on('error', (error: Error) => {
        host.lost ??= new ConnectionLostError(`connection lost: ${error.message}`);
      });
      ssh.connection?.on('close', () => {
        host.lost ??= new ConnectionLostError('connection closed by the remote host');
      });
      return host;
    } catch (error) {
      for (const hop of hops.reverse()) hop.dispose();
      throw error;
    }
  }

  /** Commands run through sudo when become is set and we are not root already. */
  get becomes(): boolean {
    return this.settings.become && this.settings.user !== 'root';
  }

  /** Runs a POSIX sh script (delivered on stdin, never in argv) as ONE remote command. */
  run(script: string, options: RunOptions = {}): Promise<RunResult> {
    return this.channels(() => this.exec(script, options));
  }

  /** Starts a script that keeps running until release(); resolves once it printed `readyLine`. */
  async hold(script: string, readyLine: string): Promise<HeldCommand> {
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    let stdin: PassThrough | undefined;
    const finished = this.exec(script, {
      keepOpen: true,
      onStdoutLine: (line) => line === readyLine && markReady(),
      onStdin: (stream) => (stdin = stream),
    });
    const outcome = await Promise.race([ready.then(() => undefined), finished]);
    if (outcome !== undefined) {
      throw new Error(outcome.stderr.trim() || `command ended (exit ${outcome.code}) before it was ready`);
    }
    return {
      release: async () => {
        stdin?.end();
        await finished.catch(() => undefined);
      },
    };
  }

  lock(timeoutSeconds: number): Promise<HeldCommand> {
    return this.hold(lockScript(timeoutSeconds), LOCKED_LINE);
  }

  async close(): Promise<void> {
    this.ssh.dispose();
    for (const hop of [...this.hops].reverse()) hop.dispose();
  }

  private async exec(script: string, options: RunOptions & { onStdin?: (s: PassThrough) => void }): Promise<RunResult> {
    if (this.lost) throw this.lost;
    const stdin = new PassThrough();
    options.onStdin?.(stdin);
    const become = this.becomes;
    // sudo drops SSH_CONNECTION from the environment: every script gets it as $1 instead.
    const command = become
      ? `sudo -S -p '${SUDO_PROMPT}' sh -c 'echo ${BECOME_MARKER}; exec sh -s "$1"' sh "$SSH_CONNECTION"`
      : 'sh -s "$SSH_CONNECTION"';
    const body = `export LC_ALL=C LANG=C\n${script}\n`;
    let promptsSeen = 0;
    let becomeFailure: string | undefined;
    let started = !become;
    let stdoutBuffer = '';
    let output = '';

    const sendScript = () => {
      stdin.write(body);
      if (!options.keepOpen) stdin.end();
    };
    const onStdout = (chunk: Buffer) => {
      stdoutBuffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = stdoutBuffer.indexOf('\n')) >= 0) {
        const line = stdoutBuffer.slice(0, newline);
        stdoutBuffer = stdoutBuffer.slice(newline + 1);
        if (!started) {
          if (line === BECOME_MARKER) {
            started = true;
            sendScript();
          }
          continue;
        }
        output += line + '\n';
        options.onStdoutLine?.(line);
      }
    };
    const onStderr = (chunk: Buffer) => {
      if (started || !chunk.toString('utf8').includes(SUDO_PROMPT)) return;
      promptsSeen += 1;
      if (this.becomePassword === undefined) {
        becomeFailure = 'sudo asks for a password: set ansible_become_password or run with -K (--ask-become-pass)';
        stdin.end();
      } else if (promptsSeen > 1) {
        becomeFailure = 'sudo refused the become password (wrong password?)';
        stdin.end();
      } else {
        stdin.write(this.becomePassword + '\n');
      }
    };

    this.commands += 1;
    if (!become) sendScript();
    const response = await this.ssh.execCommand(command, { stdin, onStdout, onStderr, noTrim: true });
    if (stdoutBuffer && started) output += stdoutBuffer;
    if (becomeFailure) throw new Error(becomeFailure);
    const stderr = response.stderr.split(SUDO_PROMPT).join('');
    if (response.code === null) {
      throw this.lost ?? new ConnectionLostError(`remote command ended without an exit status${response.signal ? ` (signal ${response.signal})` : ''}`);
    }
    if (become && !started) {
      throw new Error(`sudo failed: ${stderr.trim() || `exit ${response.code}`}`);
    }
    return { code: response.code, stdout: output, stderr };
  }
}

/**
 * One SSH connection, over `sock` when given (a channel through the jump host before), its host key
 * checked against known_hosts: the same for a jump host as for the host itself.
 */
async function connectVerified(endpoint: SshEndpoint & Pick<ConnectionSettings, 'privateKeyFile' | 'password'>, options: ConnectOptions, sock?: Channel): Promise<NodeSSH> {
  const { knownHostsFile } = options;
  const knownHosts = readKnownHosts(knownHostsFile);
  let refusal: string | undefined;
  const preferred = knownKeyTypes(knownHosts, endpoint.address, endpoint.port);
  const isPreferred = (type: string) => preferred.includes(type) || (type.startsWith('rsa-') && preferred.includes('ssh-rsa'));
  const hostKeyOrder = [...DEFAULT_HOST_KEY_ORDER.filter(isPreferred), ...DEFAULT_HOST_KEY_ORDER.filter((type) => !isPreferred(type))];
  // loaded when a host is contacted: validate, inventory --list and the wizard's questions never load ssh2
  const { NodeSSH } = await import('node-ssh');
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: endpoint.address,
      port: endpoint.port,
      username: endpoint.user,
      ...(sock ? { sock } : {}),
      authHandler: authMethods(endpoint) as never,
      readyTimeout: options.timeoutMs ?? 10_000,
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeyOrder as never },
      hostVerifier: (key: Buffer) => {
        if (!endpoint.hostKeyChecking) return true;
        const verdict = verifyHostKey(knownHosts, endpoint.address, endpoint.port, key);
        if (verdict.kind === 'known') return true;
        if (verdict.kind === 'unknown' && options.acceptNewHostKeys) {
          appendKnownHost(knownHostsFile, knownHostsLine(endpoint.address, endpoint.port, key));
          return true;
        }
        refusal = hostKeyRefusal(verdict, endpoint.address, endpoint.port, knownHostsFile);
        return false;
      },
    });
  } catch (error) {
    ssh.dispose();
    if (error instanceof UnreachableError) throw error;
    throw new UnreachableError(refusal ?? describeConnectError(error as Error & { level?: string }, endpoint));
  }
  return ssh;
}

function describeConnectError(error: Error & { level?: string; code?: string }, connection: SshEndpoint): string {
  const where = `${connection.user}@${connection.address}:${connection.port}`;
  if (error.level === 'client-authentication') return `authentication failed for ${where} (key or password refused)`;
  if (error.level === 'client-timeout') return `timed out connecting to ${where}`;
  if (error.code === 'ECONNREFUSED') return `connection refused by ${where} (is sshd running on that port?)`;
  if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH') return `no route to ${where}`;
  if (error.code === 'ENOTFOUND') return `cannot resolve ${connection.address}`;
  return `cannot connect to ${where}: ${error.message}`;
}
