import { z } from 'zod';
import { defineModule } from './types.js';
import { planFileContent } from './lib/file-content.js';
import { needFact } from './lib/facts.js';
import { absolutePathSchema, accountNameSchema, modeSchema } from './lib/mode.js';
import { readTemplateText, renderTemplate } from './lib/render.js';
import { noInterruptedValidationProbe } from './lib/write-file.js';

const schema = z.strictObject({
  /** the EJS template on the controller (resolved against the playbook's templates/ directories) */
  src: z.string().min(1),
  dest: absolutePathSchema,
  mode: modeSchema.optional(),
  owner: accountNameSchema.optional(),
  group: accountNameSchema.optional(),
  /** sh command run after writing (`nginx -t`); on failure the previous file is restored */
  validate: z.string().min(1).optional(),
});

export type TemplateArgs = z.output<typeof schema>;

export interface PreparedTemplate extends TemplateArgs {
  /** the rendered text, rendered on the controller */
  rendered: string;
}

export const template = defineModule({
  name: 'template',
  schema,
  prepare(args, context): PreparedTemplate {
    const path = context.resolveTemplate(args.src);
    let source: string;
    try {
      source = readTemplateText(path);
    } catch (error) {
      throw new Error(`cannot read the template ${args.src} (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return { ...args, rendered: renderTemplate(source, context.vars, path) };
  },
  facts: (args) => [
    { kind: 'file', path: args.dest, content: true },
    ...(args.validate ? [{ kind: 'probe' as const, command: noInterruptedValidationProbe(args.dest) }] : []),
  ],
  plan(args, facts) {
    return planFileContent(
      {
        path: args.dest,
        content: Buffer.from(args.rendered, 'utf8'),
        mode: args.mode,
        owner: args.owner,
        group: args.group,
        validate: args.validate,
        interruptedValidation: args.validate !== undefined && needFact(facts.probes, noInterruptedValidationProbe(args.dest), 'probe') !== 0,
      },
      needFact(facts.files, args.dest, 'file'),
    );
  },
});
