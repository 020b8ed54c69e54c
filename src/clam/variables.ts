import { runState } from '../input/run-memo.js';
import { locate, registerLocation } from '../input/yaml-source.js';
import type { SchemaHost } from '../playbook/vars-schemas.js';
import { deriveClamVars } from './derived-vars.js';
import { Problems } from './problems.js';
import { HOST_VARIABLE_KEYS, varsSchema, type ParsedVars } from './schema.js';

/**
 * `vars_schema: clam`: validates the CLAM playbook's variables of one host and returns a new vars
 * object: the input plus defaults and derived values (see ClamVars). Throws InputError(s)
 * pointing at file:line:col.
 */
export function normalizeClamVars(vars: Record<string, unknown>, host: SchemaHost): Record<string, unknown> {
  const problems = new Problems(vars, host);
  const parsed = parseVars(vars);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.fromIssue(issue);
    problems.throwIfAny();
  }
  const clam = deriveClamVars(parsed.data!, vars, host, problems);
  problems.throwIfAny();

  const result: Record<string, unknown> = { ...vars, ...clam };
  for (const key of Object.keys(vars)) registerLocation(result, key, locate(vars, key));
  return result;
}

/**
 * The schema's parse of the variables it reads, reused while they are the very same values as for
 * the host before: hosts of one group share their group's values (the services list), and the
 * parse was a fifth of the time `validate` spent on a host. The schema reads no files.
 */
function parseVars(vars: Record<string, unknown>): ReturnType<typeof varsSchema.safeParse> {
  const last = runState('clam vars parse', (): { inputs?: unknown[]; data?: ParsedVars } => ({}));
  const inputs = HOST_VARIABLE_KEYS.map((key) => vars[key]);
  if (last.inputs !== undefined && inputs.every((value, index) => Object.is(value, last.inputs![index]))) return { success: true, data: last.data! };
  const parsed = varsSchema.safeParse(vars, { reportInput: true });
  if (parsed.success) Object.assign(last, { inputs, data: parsed.data });
  return parsed;
}
