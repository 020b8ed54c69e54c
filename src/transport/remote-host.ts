import type { ConnectionSettings } from '../inventory/types.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** called once with each complete stdout line (progress of long commands) */
  onStdoutLine?: (line: string) => void;
  /** keep stdin open after the script, until release() (see hold) */
  keepOpen?: boolean;
}

/** A command that keeps running (e.g. holding a lock) until released. */
export interface HeldCommand {
  release(): Promise<void>;
}

/**
 * A host the engine converges: every remote command is one POSIX sh script, counted. The SSH host
 * implements it; unit tests use a fake that answers from recorded facts.
 */
export interface RemoteHost {
  /** remote commands run so far (the SPEC's `commands`) */
  readonly commands: number;
  /** Runs a POSIX sh script as ONE remote command (as root when become). */
  run(script: string, options?: RunOptions): Promise<RunResult>;
  /**
   * Takes the host's run lock, waiting up to timeoutSeconds for another run to release it; throws
   * when it cannot. The lock lasts until release() or until the connection closes.
   */
  lock(timeoutSeconds: number): Promise<HeldCommand>;
  close(): Promise<void>;
}

/** Opens a connection to one inventory host; throws UnreachableError when it cannot. */
export type ConnectHost = (connection: ConnectionSettings) => Promise<RemoteHost>;
