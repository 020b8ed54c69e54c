import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LineType, parse, type Line } from 'ssh-config';
import { InputError, type SourceLocation } from '../core/errors.js';
import { hostPatternsMatch } from '../core/host-patterns.js';
import { readInputText } from '../input/read-text.js';
import { memoizedInRun } from '../input/run-memo.js';
import type { SshOption } from './ssh-options.js';

/** A `Host` or `Match` line: the options below it apply only where it matches. */
export type SshConfigSection =
  | { kind: 'host'; patterns: string[]; location: SourceLocation }
  | { kind: 'match'; criteria: MatchCriterion[]; location: SourceLocation };

export interface MatchCriterion {
  keyword: string;
  negated: boolean;
  patterns: string[];
}

/** One option line of an ssh config file (Includes expanded), with the section it is in. */
export interface SshConfigLine {
  option: SshOption & { location: SourceLocation };
  /** the option's name as written, for messages */
  spelled: string;
  section?: SshConfigSection;
}

const MAX_INCLUDE_DEPTH = 16;

export function defaultSshConfigFile(): string {
  return path.join(os.homedir(), '.ssh', 'config');
}

/**
 * The option lines of an ssh config file in the order OpenSSH reads them, parsed with the
 * `ssh-config` package. A missing file is an empty config, as for ssh.
 */
export function readSshConfig(file: string): SshConfigLine[] {
  // asked for every host: looked at once per run
  return memoizedInRun(`readSshConfig\0${file}`, () => readChangedSshConfig(file));
}

function readChangedSshConfig(file: string): SshConfigLine[] {
  if (!existsSync(file)) return [];
  // Read once for all hosts of an inventory, again when the file changed.
  const { mtimeMs, size } = statSync(file);
  const version = `${mtimeMs}:${size}`;
  const cached = cache.get(file);
  if (cached?.version === version) return cached.lines;
  const lines = readFile(file, undefined, 0);
  cache.set(file, { version, lines });
  return lines;
}

const cache = new Map<string, { version: string; lines: SshConfigLine[] }>();

function readFile(file: string, outer: SshConfigSection | undefined, depth: number): SshConfigLine[] {
  const text = readInputText(file);
  const rows = text.split(/\r?\n/);
  let cursor = 0;
  // The parser keeps no positions: find each directive's line, in order, by its first word.
  const locate = (param: string): SourceLocation => {
    for (let row = cursor; row < rows.length; row++) {
      const match = /^(\s*)([A-Za-z]+)/.exec(rows[row]!);
      if (match && match[2]!.toLowerCase() === param.toLowerCase()) {
        cursor = row + 1;
        return { file, line: row + 1, col: match[1]!.length + 1 };
      }
    }
    return { file, line: 1, col: 1 };
  };
  const result: SshConfigLine[] = [];
  const walk = (lines: readonly Line[], section: SshConfigSection | undefined): void => {
    for (const line of lines) {
      if (line.type !== LineType.DIRECTIVE) continue;
      const location = locate(line.param);
      const values = Array.isArray(line.value) ? line.value.map((v) => v.val) : [line.value];
      const name = line.param.toLowerCase();
      if ('config' in line) {
        const inner: SshConfigSection =
          name === 'host' ? { kind: 'host', patterns: values.flatMap((v) => v.split(',')), location } : { kind: 'match', criteria: matchCriteria(values, location), location };
        walk(line.config, inner);
      } else if (name === 'include') {
        for (const included of includedFiles(values, file, location, depth)) result.push(...readFile(included, section ?? outer, depth + 1));
      } else {
        result.push({ option: { name, value: values.join(' '), location }, spelled: line.param, section: section ?? outer });
      }
    }
  };
  walk(parse(text), undefined);
  return result;
}

function matchCriteria(words: string[], location: SourceLocation): MatchCriterion[] {
  const criteria: MatchCriterion[] = [];
  for (let i = 0; i < words.length; i++) {
    const negated = words[i]!.startsWith('!');
    const keyword = words[i]!.replace(/^!/, '').toLowerCase();
    if (['all', 'canonical', 'final'].includes(keyword)) {
      criteria.push({ keyword, negated, patterns: [] });
      continue;
    }
    const argument = words[++i];
    if (argument === undefined) throw new InputError(`ssh config: Match ${keyword} needs an argument`, location);
    criteria.push({ keyword, negated, patterns: argument.split(',') });
  }
  return criteria;
}

/** `Include`: relative paths from ~/.ssh, `*` and `?` in the file name; a file that is not there is skipped, as by ssh. */
function includedFiles(values: string[], from: string, location: SourceLocation, depth: number): string[] {
  if (depth >= MAX_INCLUDE_DEPTH) throw new InputError(`ssh config: Include nested more than ${MAX_INCLUDE_DEPTH} deep (an Include loop?)`, location);
  return values.flatMap((value) => {
    const expanded = value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value;
    const pattern = path.resolve(path.join(os.homedir(), '.ssh'), expanded);
    if (/[*?]/.test(path.dirname(pattern))) {
      throw new InputError(`ssh config: Include ${value}: a wildcard is supported in the file name only`, location);
    }
    if (!/[*?]/.test(path.basename(pattern))) return existsSync(pattern) && pattern !== from ? [pattern] : [];
    const dir = path.dirname(pattern);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => hostPatternsMatch([path.basename(pattern)], name) && !name.startsWith('.'))
      .sort()
      .map((name) => path.join(dir, name))
      .filter((file) => statSync(file).isFile());
  });
}
