import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, throwIfAny } from '../core/errors.js';
import { secrets } from '../core/secrets.js';
import { locate } from '../input/yaml-source.js';
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

const BOOLEANS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/** Connection settings of one host from its merged variables; errors point at the offending value. */
export function connectionSettings(name: string, vars: Vars, inventoryDir: string): ConnectionSettings {
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

  const address = text(NAMES.host) ?? name;
  const port = readPort(pick(NAMES.port), fail);
  const user = text(NAMES.user) ?? 'root';
  const password = secretText(NAMES.password);
  const becomePassword = secretText(NAMES.becomePassword);
  const become = flag(NAMES.become) ?? false;
  let hostKeyChecking = flag(NAMES.hostKeyChecking) ?? true;

  let privateKeyFile: string | undefined;
  const keyEntry = pick(NAMES.keyFile);
  const keyText = text(NAMES.keyFile);
  if (keyEntry && keyText !== undefined) {
    privateKeyFile = localPath(keyText, inventoryDir);
    const problem = unreadableFile(privateKeyFile);
    if (problem) fail(keyEntry[0], `the private key file ${privateKeyFile} ${problem} (a relative path is taken from the inventory's directory; ~ is your home)`);
  }

  let knownHostsFile: string | undefined;
  for (const key of NAMES.sshArgs) {
    const value = vars[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      fail(key, `${key} must be a string of ssh options, not ${JSON.stringify(value)}`);
      continue;
    }
    for (const [option, optionValue] of sshOptions(value)) {
      if (option === 'userknownhostsfile') knownHostsFile = optionValue === '/dev/null' ? optionValue : localPath(optionValue.split(/\s+/)[0]!, inventoryDir);
      else if (option === 'stricthostkeychecking') {
        const strict = optionValue.toLowerCase();
        if (strict === 'no' || strict === 'off') hostKeyChecking = false;
        else if (strict === 'yes' || strict === 'accept-new') hostKeyChecking = true;
        else fail(key, `StrictHostKeyChecking must be yes, no or accept-new, not '${optionValue}'`);
      }
    }
  }

  checkUnsupported(vars, fail);
  throwIfAny(errors);
  const settings: ConnectionSettings = { address, port: port ?? 22, user, become, hostKeyChecking };
  if (privateKeyFile !== undefined) settings.privateKeyFile = privateKeyFile;
  if (password !== undefined) settings.password = password;
  if (becomePassword !== undefined) settings.becomePassword = becomePassword;
  if (knownHostsFile !== undefined) settings.knownHostsFile = knownHostsFile;
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

/** Why a local file cannot be read, or undefined when it can. */
export function unreadableFile(file: string): string | undefined {
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

/** `-o Key=Value`, `-oKey=Value` and `-o "Key Value"` out of an ssh argument string. */
function sshOptions(args: string): Array<[string, string]> {
  const words = [...args.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  const options: Array<[string, string]> = [];
  for (let i = 0; i < words.length; i++) {
    let option: string | undefined;
    if (words[i] === '-o') option = words[++i];
    else if (words[i]!.startsWith('-o')) option = words[i]!.slice(2);
    if (!option) continue;
    const match = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*)$/.exec(option);
    if (match) options.push([match[1]!.toLowerCase(), match[2]!.trim()]);
  }
  return options;
}
