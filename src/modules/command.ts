import { z } from 'zod';
import type { FactRequest } from '../facts/types.js';
import { defineModule } from './types.js';
import { needFact } from './lib/facts.js';
import { absolutePathSchema } from './lib/mode.js';
import { script, shellQuote } from './lib/shell.js';

const schema = z.strictObject({
  /** sh command line (run inside the task's script, so it never shows in a process list) */
  cmd: z.string().min(1),
  /** skip when this path exists */
  creates: absolutePathSchema.optional(),
  /** skip when this path does not exist */
  removes: absolutePathSchema.optional(),
  /** read-only sh command run while gathering facts: skip when it exits 0 */
  unless: z.string().min(1).optional(),
  chdir: absolutePathSchema.optional(),
});

export type CommandArgs = z.output<typeof schema>;

/** The probe as gathered: in chdir when given, like the command itself. */
function unlessProbe(args: CommandArgs): string | undefined {
  if (args.unless === undefined) return undefined;
  return args.chdir ? `cd ${shellQuote(args.chdir)} && { ${args.unless}\n}` : args.unless;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]!;
  return line.length > 120 ? `${line.slice(0, 117)}…` : line !== text.trim() ? `${line} …` : line;
}

export const command = defineModule({
  name: 'command',
  schema,
  facts(args) {
    const requests: FactRequest[] = [];
    if (args.creates) requests.push({ kind: 'file', path: args.creates });
    if (args.removes) requests.push({ kind: 'file', path: args.removes });
    const probe = unlessProbe(args);
    if (probe) requests.push({ kind: 'probe', command: probe });
    return requests;
  },
  plan(args, facts) {
    if (args.creates && needFact(facts.files, args.creates, 'file').exists) return null;
    if (args.removes && !needFact(facts.files, args.removes, 'file').exists) return null;
    const probe = unlessProbe(args);
    if (probe && needFact(facts.probes, probe, 'probe') === 0) return null;
    return {
      summary: [`run: ${firstLine(args.cmd)}`],
      // a subshell: the command's own `set`, `cd` and `exit` stay inside; its exit status is the task's
      script: script(args.chdir ? `cd ${shellQuote(args.chdir)}` : undefined, `(\nset +e\n${args.cmd}\n)`),
    };
  },
});
