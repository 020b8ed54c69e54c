import { parse } from 'shell-quote';
import type { SourceLocation } from '../core/errors.js';
import { refusedOption, type SshOption } from './ssh-options.js';

export interface SshArgs {
  /** in the order given: for ssh the first value of an option wins */
  options: SshOption[];
  /** `-F FILE`: read this instead of ~/.ssh/config */
  configFile?: string;
  /** one message per argument that cannot be carried out */
  problems: string[];
}

/** Flags with a value, and the option each one sets. */
const VALUE_FLAGS: Record<string, string> = { J: 'proxyjump', p: 'port', i: 'identityfile', l: 'user', o: '', F: '' };
/** ssh's other flags with a value: refused, and their value with them. */
const OTHER_VALUE_FLAGS = /^-[BbcDEeILmOPQRSWw]$/;
/** Flags without a value that change nothing for us: compression, quiet, verbose, no tty, no X11. */
const HARMLESS_FLAGS = /^-[CqvTx]+$/;

/**
 * The ssh command-line arguments of ansible_ssh_common_args / ansible_ssh_extra_args, split as a
 * shell would (Ansible uses shlex; no variable is expanded).
 */
export function parseSshArgs(text: string, location: SourceLocation | undefined): SshArgs {
  const result: SshArgs = { options: [], problems: [] };
  const words = parse(text, (name) => `$${name}`);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (typeof word !== 'string') {
      result.problems.push(`'${'op' in word ? word.op : 'comment'}' is not an ssh argument (the value is split like a shell command line, but not run)`);
      continue;
    }
    if (HARMLESS_FLAGS.test(word)) continue;
    const flag = /^-([A-Za-z])(.*)$/s.exec(word);
    if (!flag || !(flag[1]! in VALUE_FLAGS)) {
      if (OTHER_VALUE_FLAGS.test(word)) i++;
      result.problems.push(word.startsWith('-') ? `ssh option '${word}' is not supported by clamprovision` : `'${word}' is not an ssh option`);
      continue;
    }
    const letter = flag[1]!;
    let value = flag[2]!;
    if (value === '') {
      const next = words[++i];
      if (typeof next !== 'string') {
        result.problems.push(`ssh option '-${letter}' needs a value`);
        continue;
      }
      value = next;
    }
    if (letter === 'F') result.configFile ??= value;
    else if (letter === 'o') addOption(result, value, location);
    else add(result, { name: VALUE_FLAGS[letter]!, value, location }, `-${letter}`);
  }
  return result;
}

/** `-o Key=Value` or `-o "Key Value"`. */
function addOption(result: SshArgs, text: string, location: SourceLocation | undefined): void {
  const match = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/s.exec(text);
  if (!match) {
    result.problems.push(`'-o ${text}' is not an ssh option (expected -o Name=value)`);
    return;
  }
  add(result, { name: match[1]!.toLowerCase(), value: match[2]!, location }, match[1]!);
}

function add(result: SshArgs, option: SshOption, spelled: string): void {
  const refused = refusedOption(option, spelled);
  if (refused) result.problems.push(refused);
  else result.options.push(option);
}
