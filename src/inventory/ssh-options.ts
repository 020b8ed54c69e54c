import type { SourceLocation } from '../core/errors.js';

/** One ssh option as OpenSSH reads it (from `-o`, a flag, or a config file), its name in lower case. */
export interface SshOption {
  name: string;
  value: string;
  location?: SourceLocation;
}

/** The options clamprovision carries out. */
const IMPLEMENTED = new Set([
  'hostname',
  'user',
  'port',
  'identityfile',
  'identityagent',
  'proxyjump',
  'userknownhostsfile',
  'stricthostkeychecking',
]);

/**
 * Options that change nothing about which host is reached, as whom, or how it is trusted: connection
 * sharing, keep-alives, logging, forwarding we never use, authentication methods we try anyway, and
 * the options Ansible itself passes. Ignored; any other option is an error.
 */
const HARMLESS = new Set([
  'addkeystoagent',
  'batchmode',
  'checkhostip',
  'compression',
  'connectionattempts',
  'connecttimeout',
  'controlmaster',
  'controlpath',
  'controlpersist',
  'dynamicforward',
  'escapechar',
  'exitonforwardfailure',
  'forwardagent',
  'forwardx11',
  'forwardx11timeout',
  'forwardx11trusted',
  'gssapiauthentication',
  'gssapidelegatecredentials',
  'hashknownhosts',
  'identitiesonly',
  'kbdinteractiveauthentication',
  'localforward',
  'loglevel',
  'nohostauthenticationforlocalhost',
  'numberofpasswordprompts',
  'passwordauthentication',
  'permitlocalcommand',
  'preferredauthentications',
  'pubkeyauthentication',
  'remoteforward',
  'requesttty',
  'sendenv',
  'serveralivecountmax',
  'serveraliveinterval',
  'tcpkeepalive',
  'updatehostkeys',
  'usekeychain',
  'visualhostkey',
]);

/** Options with a value that changes nothing (e.g. `CanonicalizeHostname no`). */
const HARMLESS_VALUES: Record<string, string[]> = {
  canonicalizehostname: ['no'],
  proxycommand: ['none'],
  localcommand: ['none'],
};

/** Why an option cannot be carried out, or undefined when it can (or changes nothing). */
export function refusedOption(option: SshOption, spelled: string): string | undefined {
  if (IMPLEMENTED.has(option.name) || HARMLESS.has(option.name)) return undefined;
  if (HARMLESS_VALUES[option.name]?.includes(option.value.toLowerCase())) return undefined;
  if (option.name === 'proxycommand') {
    return `ssh option ProxyCommand is not supported: clamprovision runs no local command to connect; use ProxyJump (-J) for a jump host`;
  }
  return `ssh option ${spelled} is not supported by clamprovision (it would change how the host is reached or trusted, so it is not ignored)`;
}
