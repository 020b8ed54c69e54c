import { z } from 'zod';
import { PlanError, defineModule, type PlannedChange } from './types.js';
import { attributeChanges, attributeCommands, describeAttributes, type WantedAttributes } from './lib/attributes.js';
import { describeFileType, needFact } from './lib/facts.js';
import { absolutePathSchema, accountNameSchema, modeSchema } from './lib/mode.js';
import { fail, script, shellQuote } from './lib/shell.js';

const schema = z
  .strictObject({
    path: absolutePathSchema,
    /**
     * directory: create it (with parents); absent: remove it (recursively); link: a symbolic link
     * to src; touch: create an empty file when missing; file: set attributes of an existing file
     */
    state: z.enum(['file', 'directory', 'absent', 'link', 'touch']).default('file'),
    /** the link's target (state: link) */
    src: z.string().min(1).optional(),
    mode: modeSchema.optional(),
    owner: accountNameSchema.optional(),
    group: accountNameSchema.optional(),
  })
  .refine((args) => args.state !== 'link' || args.src !== undefined, { message: 'state: link needs src (the link target)', path: ['src'] })
  .refine((args) => args.state === 'link' || args.src === undefined, { message: 'src is only for state: link', path: ['src'] })
  .refine((args) => args.path !== '/' || args.state !== 'absent', { message: 'refusing to remove /', path: ['path'] });

export type FileArgs = z.output<typeof schema>;

export const file = defineModule({
  name: 'file',
  schema,
  facts: (args) => [{ kind: 'file', path: args.path }],
  plan(args, facts) {
    const fact = needFact(facts.files, args.path, 'file');
    const want: WantedAttributes = { mode: args.mode, owner: args.owner, group: args.group };
    const path = args.path;
    const quoted = shellQuote(path);

    const attributesOnly = (current: Parameters<typeof attributeChanges>[1], link = false): PlannedChange | null => {
      const changes = attributeChanges(path, current, want, { link });
      if (changes.commands.length === 0) return null;
      return { summary: changes.summary.map((line) => `${path}: ${line}`), script: script(...changes.commands) };
    };

    switch (args.state) {
      case 'absent':
        if (!fact.exists) return null;
        return {
          summary: [`remove ${path} (${describeFileType(fact)}${fact.type === 'directory' ? ', with everything in it' : ''})`],
          script: script(`rm -rf -- ${quoted}`),
        };
      case 'directory':
        if (!fact.exists) {
          return { summary: [`create directory ${path}${describeAttributes(want)}`], script: script(`mkdir -p -- ${quoted}`, ...attributeCommands(path, want)) };
        }
        if (fact.type !== 'directory') throw new PlanError(`${path} is ${describeFileType(fact)}, not a directory`);
        return attributesOnly(fact);
      case 'touch':
        if (!fact.exists) {
          return {
            summary: [`create empty file ${path}${describeAttributes(want)}`],
            script: script(`: > ${quoted}`, ...attributeCommands(path, { mode: 0o644, ...stripUndefined(want) })),
          };
        }
        return attributesOnly(fact);
      case 'file':
        if (!fact.exists) {
          // another task of this run may create it (a package's file): apply finds out
          const commands = attributeCommands(path, want);
          if (commands.length === 0) return null;
          return {
            summary: [`set ${describeAttributes(want).trim().replace(/^\(|\)$/g, '')} on ${path} (not on the host yet)`],
            script: script(`[ -e ${quoted} ] || ${fail(`${path} does not exist (file with state: file only sets attributes; use touch, copy or template to create it)`)}`, ...commands),
          };
        }
        if (fact.type === 'directory') throw new PlanError(`${path} is a directory: use state: directory`);
        return attributesOnly(fact, fact.type === 'link');
      case 'link': {
        const target = args.src!;
        if (fact.exists && fact.type !== 'link') {
          throw new PlanError(`${path} is ${describeFileType(fact)}; remove it first (state: absent) to put a link there`);
        }
        if (fact.exists && fact.linkTarget === target) return attributesOnly(fact, true);
        const linkAttributes: string[] = [];
        if (want.owner !== undefined) linkAttributes.push(`chown -h ${shellQuote(want.owner)} -- ${quoted}`);
        if (want.group !== undefined) linkAttributes.push(`chgrp -h ${shellQuote(want.group)} -- ${quoted}`);
        return {
          summary: [fact.exists ? `link ${path} -> ${target} (was -> ${fact.linkTarget ?? '?'})` : `create link ${path} -> ${target}`],
          script: script(`ln -sfn -- ${shellQuote(target)} ${quoted}`, ...linkAttributes),
        };
      }
    }
  },
});

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
