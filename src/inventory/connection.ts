import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, inputErrorsIn, throwIfAny } from '../core/errors.js';
import { secrets } from '../core/secrets.js';
import { memoizedInRun } from '../input/run-memo.js';
import { locate } from '../input/yaml-source.js';
import { parseSshArgs } from './ssh-args.js';
import { defaultSshConfigFile, readSshConfig, type SshConfigLine } from './ssh-config-file.js';
import { resolveDestination, type ResolvedEndpoint } from './ssh-destination.js';
import type { SshOption } from './ssh-options.js';
import type { ConnectionSettings } from './types.js';

type Vars = Record<string, unknown>;

/** Ansible's names first, then the older aliases it still accepts. */
const NAMES = {
  host: ['ansible_host', 'ansible_ssh_host'],
  port: ['ansible_port', 'ansible_ssh_port'],
  user: ['ansible_user', 'ansible_ssh_user'],
  keyFile: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
  password: ['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'],
  become: ['ansible_become', 'ansible_sudo'],
  becomePassword: ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'],
  hostKeyChecking: ['ansible_host_key_checking', 'ansible_ssh_host_key_checking'],
  sshArgs: ['ansible_ssh_common_args', 'ansible_ssh_extra_args'],
} as const;

/** The variables that hold a connection or sudo password (secrets in every output). */
export const PASSWORD_VARIABLES: readonly string[] = [...NAMES.password, ...NAMES.becomePassword];

const BOOLEANS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/** Connection settings of one host from its merged variables; errors point at the offending value. */
export function connectionSettings(name: string, vars: Vars, inventoryDir: string, sshConfigFile = defaultSshConfigFile()): ConnectionSettings {
  const errors: InputError[] = [];
  const fail = (key: string, message: string): undefined => {
    errors.push(new InputError(`host '${name}': ${message}`, locate(vars, key)));
    return undefined;
  };
  const pick = (names: readonly string[]): [string, unknown] | undefined => {
    for (const key of names) if (vars[key] !== undefined && vars[key] !== null) return [key, vars[key]];
    return undefined;
  };
  const text = (names: readonly string[]): string | undefined => {
    const found = pick(names);
    if (!found) return undefined;
    const [key, value] = found;
    if (typeof value === 'string' && value !== '') return value;
    // as Ansible does: `ansible_user: 1000` is the user "1000"
    if (typeof value === 'number' && Number.isInteger(value)) return String(value);
    return fail(key, `${key} must be a non-empty string (a whole number is taken as its digits), not ${JSON.stringify(value)}`);
  };
  /**
   * A password: a string, or a number taken as its digits (as Ansible does). Anything else is an
   * error that names the kind of value, never the value: a mapping or list may hold the password.
   */
  const secretText = (names: readonly string[]): string | undefined => {
    const found = pick(names);
    if (!found) return undefined;
    const [key, value] = found;
    const password = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
    if (password !== undefined && password !== '') {
      secrets.add(password);
      return password;
    }
    return fail(key, `${key} must be a non-empty string (a number is taken as its digits), not ${kindOfValue(value)}`);
  };
  const flag = (names: readonly string[]): boolean | undefined => {
    const found = pick(names);
    if (!found) return undefined;
    const [key, value] = found;
    if (typeof value === 'boolean') return value;
    const parsed = typeof value === 'string' || typeof value === 'number' ? BOOLEANS[String(value).toLowerCase()] : undefined;
    return parsed ?? fail(key, `${key} must be true or false (yes/no also work), not ${JSON.stringify(value)}`);
  };

  const port = readPort(pick(NAMES.port), fail);
  const password = secretText(NAMES.password);
  const becomePassword = secretText(NAMES.becomePassword);
  const become = flag(NAMES.become) ?? false;
  const hostKeyChecking = flag(NAMES.hostKeyChecking);

  let privateKeyFile: string | undefined;
  const keyEntry = pick(NAMES.keyFile);
  const keyText = text(NAMES.keyFile);
  if (keyEntry && keyText !== undefined) {
    privateKeyFile = localPath(keyText, inventoryDir);
    const problem = unreadableFile(privateKeyFile);
    if (problem) fail(keyEntry[0], `the private key file ${privateKeyFile} ${problem} (a relative path is taken from the inventory's directory; ~ is your home)`);
  }

  const destination = sshDestination(name, vars, { host: text(NAMES.host), port, user: text(NAMES.user) }, inventoryDir, sshConfigFile, errors, fail);

  checkUnsupported(vars, fail);
  throwIfAny(errors);
  const { jumps, ...endpoint } = destination;
  // ansible_host_key_checking: false is passed to ssh before the user's arguments, so it wins (as in Ansible)
  const settings: ConnectionSettings = { ...endpoint, become, hostKeyChecking: hostKeyChecking === false ? false : endpoint.hostKeyChecking };
  if (jumps.length > 0) settings.jumps = jumps;
  if (privateKeyFile !== undefined) settings.privateKeyFile = privateKeyFile;
  if (password !== undefined) settings.password = password;
  if (becomePassword !== undefined) settings.becomePassword = becomePassword;
  return settings;
}

/** What a value is, without showing it: for values that may be secrets. */
function kindOfValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  if (value === '') return 'an empty string';
  return `a ${typeof value}`;
}

function readPort(found: [string, unknown] | undefined, fail: (key: string, message: string) => undefined): number | undefined {
  if (!found) return undefined;
  const [key, value] = found;
  // A port from `${PORT}` arrives as a string.
  const port = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  return fail(key, `${key} must be a port number from 1 to 65535, not ${JSON.stringify(value)}`);
}

/** Only SSH with sudo to root is implemented: refuse settings that would silently be ignored. */
function checkUnsupported(vars: Vars, fail: (key: string, message: string) => undefined): void {
  const connection = vars.ansible_connection;
  if (connection !== undefined && connection !== null && !['ssh', 'smart', 'paramiko'].includes(String(connection))) {
    fail('ansible_connection', `ansible_connection '${String(connection)}' is not supported: clamprovision connects over ssh only`);
  }
  const method = vars.ansible_become_method;
  if (method !== undefined && method !== null && method !== 'sudo') {
    fail('ansible_become_method', `ansible_become_method '${String(method)}' is not supported: only sudo is`);
  }
  const becomeUser = vars.ansible_become_user;
  if (becomeUser !== undefined && becomeUser !== null && becomeUser !== 'root') {
    fail('ansible_become_user', `ansible_become_user '${String(becomeUser)}' is not supported: become always switches to root`);
  }
}

/** `~` expanded; relative paths are taken from the inventory's directory. */
export function localPath(value: string, baseDir: string): string {
  const expanded = value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value;
  return path.resolve(baseDir, expanded);
}

/** Why a local file cannot be read, or undefined when it can (asked once per run: every host may name the same key). */
export function unreadableFile(file: string): string | undefined {
  return memoizedInRun(`unreadableFile\0${file}`, () => whyUnreadable(file));
}

function whyUnreadable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'is not a regular file';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'EACCES') return 'is not readable (permission denied)';
    return `cannot be read (${code ?? (error as Error).message})`;
  }
}

/**
 * Where to connect and how, as Ansible's ssh command line decides it: ansible_port and ansible_user
 * first, then ansible_ssh_common_args and ansible_ssh_extra_args, then the ssh config (~/.ssh/config,
 * or the file of `-F`) for ansible_host or the inventory name.
 */
function sshDestination(
  name: string,
  vars: Vars,
  explicit: { host?: string; port?: number; user?: string },
  inventoryDir: string,
  sshConfigFile: string,
  errors: InputError[],
  fail: (key: string, message: string) => undefined,
): ResolvedEndpoint {
  const given: SshOption[] = [];
  if (explicit.port !== undefined) given.push({ name: 'port', value: String(explicit.port), location: locate(vars, keyOf(vars, NAMES.port)) });
  if (explicit.user !== undefined) given.push({ name: 'user', value: explicit.user, location: locate(vars, keyOf(vars, NAMES.user)) });
  let configFile = sshConfigFile;
  for (const key of NAMES.sshArgs) {
    const value = vars[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      fail(key, `${key} must be a string of ssh options, not ${JSON.stringify(value)}`);
      continue;
    }
    const args = parseSshArgs(value, locate(vars, key));
    for (const problem of args.problems) fail(key, `${key}: ${problem}`);
    given.push(...args.options);
    if (args.configFile !== undefined && configFile === sshConfigFile) {
      configFile = localPath(args.configFile, inventoryDir);
      const problem = unreadableFile(configFile);
      if (problem) fail(key, `${key}: the ssh config file ${configFile} (-F) ${problem}`);
    }
  }
  let config: SshConfigLine[] = [];
  try {
    config = readSshConfig(configFile);
  } catch (error) {
    const found = inputErrorsIn(error);
    if (!found) throw error;
    errors.push(...found);
  }
  return resolveDestination({ host: explicit.host ?? name, given, defaultUser: 'root' }, config, inventoryDir, errors);
}

/** The name under which a variable is set (Ansible's name first, then its aliases). */
function keyOf(vars: Vars, names: readonly string[]): string {
  return names.find((key) => vars[key] !== undefined && vars[key] !== null) ?? names[0]!;
}
