import { z } from 'zod';
import type { FactRequest } from '../facts/types.js';
import { defineModule } from './types.js';
import { needFact } from './lib/facts.js';
import { absolutePathSchema, accountNameSchema } from './lib/mode.js';
import { script, shellQuote } from './lib/shell.js';

const schema = z.strictObject({
  name: accountNameSchema,
  state: z.enum(['present', 'absent']).default('present'),
  /** a system account (uid below 1000, no aging); only used when the user is created */
  system: z.boolean().default(false),
  /** primary group, created when missing (default: a group named like the user) */
  group: accountNameSchema.optional(),
  /** supplementary groups the user must be in (the user is added; other memberships stay) */
  groups: z.array(accountNameSchema).default([]),
  home: absolutePathSchema.optional(),
  shell: absolutePathSchema.optional(),
  /** default: true for normal users, false for system users; only used when the user is created */
  create_home: z.boolean().optional(),
  /**
   * false: `home` and `shell` are only used when the user is created; an existing user (made by hand
   * or by another tool) keeps its own, and `usermod` is not run while its processes run
   */
  update_home_and_shell: z.boolean().default(true),
});

export type UserArgs = z.output<typeof schema>;

export const user = defineModule({
  name: 'user',
  schema,
  facts(args) {
    const requests: FactRequest[] = [{ kind: 'user', name: args.name }];
    if (args.state === 'present') requests.push({ kind: 'group', name: args.group ?? args.name });
    return requests;
  },
  plan(args, facts) {
    const fact = needFact(facts.users, args.name, 'user');
    const name = shellQuote(args.name);
    if (args.state === 'absent') {
      if (!fact.exists) return null;
      return { summary: [`remove user ${args.name} (its home and files stay)`], script: script(`userdel ${name}`) };
    }

    const groupName = args.group ?? args.name;
    const group = needFact(facts.groups, groupName, 'group');
    if (!fact.exists) {
      const commands: string[] = [];
      const options: string[] = [];
      if (args.system) options.push('--system');
      if (group.exists) {
        options.push(`--gid ${shellQuote(groupName)}`);
      } else if (groupName === args.name) {
        options.push('--user-group');
      } else {
        commands.push(`groupadd ${args.system ? '--system ' : ''}${shellQuote(groupName)}`);
        options.push(`--gid ${shellQuote(groupName)}`);
      }
      if (args.groups.length > 0) options.push(`--groups ${shellQuote(args.groups.join(','))}`);
      if (args.home) options.push(`--home-dir ${shellQuote(args.home)}`);
      if (args.shell) options.push(`--shell ${shellQuote(args.shell)}`);
      options.push((args.create_home ?? !args.system) ? '--create-home' : '--no-create-home');
      commands.push(`useradd ${options.join(' ')} ${name}`);
      const details = [`group ${groupName}`, ...(args.groups.length ? [`groups ${args.groups.join(',')}`] : [])];
      return { summary: [`create ${args.system ? 'system ' : ''}user ${args.name} (${details.join(', ')})`], script: script(...commands) };
    }

    const summary: string[] = [];
    const commands: string[] = [];
    if (args.group !== undefined && fact.group !== args.group) {
      if (!group.exists) {
        summary.push(`create group ${args.group}`);
        commands.push(`groupadd ${args.system ? '--system ' : ''}${shellQuote(args.group)}`);
      }
      summary.push(`${args.name}: primary group ${fact.group ?? '?'} -> ${args.group}`);
      commands.push(`usermod --gid ${shellQuote(args.group)} ${name}`);
    }
    const missingGroups = args.groups.filter((g) => !fact.groups.includes(g) && g !== (args.group ?? fact.group));
    if (missingGroups.length > 0) {
      summary.push(`${args.name}: add to ${missingGroups.join(', ')}`);
      commands.push(`usermod --append --groups ${shellQuote(missingGroups.join(','))} ${name}`);
    }
    if (args.update_home_and_shell && args.home !== undefined && fact.home !== args.home) {
      summary.push(`${args.name}: home ${fact.home ?? '?'} -> ${args.home} (files are not moved)`);
      commands.push(`usermod --home ${shellQuote(args.home)} ${name}`);
    }
    if (args.update_home_and_shell && args.shell !== undefined && fact.shell !== args.shell) {
      summary.push(`${args.name}: shell ${fact.shell ?? '?'} -> ${args.shell}`);
      commands.push(`usermod --shell ${shellQuote(args.shell)} ${name}`);
    }
    if (commands.length === 0) return null;
    return { summary, script: script(...commands) };
  },
});
