import { formatMode } from './mode.js';
import { shellQuote } from './shell.js';

/** mode/owner/group a task asks for; undefined = leave as it is */
export interface WantedAttributes {
  mode?: number;
  owner?: string;
  group?: string;
}

export interface CurrentAttributes {
  mode: number;
  owner: string;
  group: string;
}

/** What differs between a path's attributes and the wanted ones, as summary lines and commands. */
export function attributeChanges(
  path: string,
  current: CurrentAttributes,
  want: WantedAttributes,
  options: { link?: boolean } = {},
): { summary: string[]; commands: string[] } {
  const summary: string[] = [];
  const commands: string[] = [];
  const quoted = shellQuote(path);
  const noDereference = options.link ? '-h ' : '';
  if (want.owner !== undefined && want.owner !== current.owner) {
    summary.push(`owner ${current.owner} -> ${want.owner}`);
    commands.push(`chown ${noDereference}${shellQuote(want.owner)} -- ${quoted}`);
  }
  if (want.group !== undefined && want.group !== current.group) {
    summary.push(`group ${current.group} -> ${want.group}`);
    commands.push(`chgrp ${noDereference}${shellQuote(want.group)} -- ${quoted}`);
  }
  // a link's own mode means nothing on Linux
  if (!options.link && want.mode !== undefined && want.mode !== (current.mode & 0o7777)) {
    summary.push(`mode ${formatMode(current.mode & 0o7777)} -> ${formatMode(want.mode)}`);
    // after chown, which clears setuid/setgid bits
    commands.push(`chmod ${formatMode(want.mode)} -- ${quoted}`);
  }
  return { summary, commands };
}

/** Commands that give a path just created the wanted attributes. */
export function attributeCommands(path: string, want: WantedAttributes): string[] {
  const quoted = shellQuote(path);
  const commands: string[] = [];
  if (want.owner !== undefined) commands.push(`chown ${shellQuote(want.owner)} -- ${quoted}`);
  if (want.group !== undefined) commands.push(`chgrp ${shellQuote(want.group)} -- ${quoted}`);
  if (want.mode !== undefined) commands.push(`chmod ${formatMode(want.mode)} -- ${quoted}`);
  return commands;
}

export function describeAttributes(want: WantedAttributes): string {
  const parts: string[] = [];
  if (want.mode !== undefined) parts.push(`mode ${formatMode(want.mode)}`);
  if (want.owner !== undefined || want.group !== undefined) parts.push(`owner ${want.owner ?? '-'}:${want.group ?? '-'}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
