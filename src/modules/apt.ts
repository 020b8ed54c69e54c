import { z } from 'zod';
import { defineModule } from './types.js';
import {
  APT_ENVIRONMENT,
  aptGet,
  aptInstall,
  aptUpdateCommands,
  DEFAULT_CACHE_VALID_TIME,
  DEFAULT_LOCK_TIMEOUT,
  noteUpdatePlanned,
  packageNameSchema,
  packageOf,
  planPackageInstall,
} from './lib/apt-get.js';
import { needFact } from './lib/facts.js';
import { script, shellQuote } from './lib/shell.js';

const schema = z.strictObject({
  name: z.union([packageNameSchema, z.array(packageNameSchema)]).transform((v) => (Array.isArray(v) ? v : [v])).default([]),
  state: z.enum(['present', 'absent']).default('present'),
  /** true: update the lists whenever they are stale, even with nothing to install; false: never */
  update_cache: z.boolean().optional(),
  /** seconds after which the apt lists count as stale */
  cache_valid_time: z.number().int().nonnegative().default(DEFAULT_CACHE_VALID_TIME),
  install_recommends: z.boolean().default(true),
  /** seconds apt-get waits for the dpkg lock (unattended-upgrades after boot) */
  lock_timeout: z.number().int().nonnegative().default(DEFAULT_LOCK_TIMEOUT),
});

export type AptArgs = z.output<typeof schema>;

export const apt = defineModule({
  name: 'apt',
  schema,
  facts: (args) => (args.name.length > 0 ? [{ kind: 'packages', names: args.name.map(packageOf) }] : []),
  plan(args, facts) {
    if (args.state === 'absent') {
      const installed = args.name.filter((spec) => needFact(facts.packages, packageOf(spec), 'package').installed).map(packageOf);
      if (installed.length === 0) return null;
      return {
        summary: [`remove ${installed.join(', ')}`],
        script: script(APT_ENVIRONMENT, aptGet(args.lock_timeout, `remove -- ${installed.map(shellQuote).join(' ')}`)),
      };
    }

    const { missing, update } = planPackageInstall(facts, args.name, {
      cacheValidTime: args.cache_valid_time,
      ...(args.update_cache !== undefined ? { updateCache: args.update_cache } : {}),
    });
    if (missing.length === 0 && !update) return null;
    const summary: string[] = [];
    const commands: string[] = [];
    if (update) {
      noteUpdatePlanned(facts);
      summary.push(`update the apt lists (${update})`);
      commands.push(...aptUpdateCommands(args.lock_timeout));
    }
    if (missing.length > 0) {
      summary.push(`install ${missing.join(', ')}`);
      commands.push(aptInstall(missing, { lockTimeout: args.lock_timeout, installRecommends: args.install_recommends }));
    }
    return { summary, script: script(APT_ENVIRONMENT, ...commands) };
  },
});
