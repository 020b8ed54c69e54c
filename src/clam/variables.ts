import { locate, registerLocation } from '../input/yaml-source.js';
import type { SchemaHost } from '../playbook/vars-schemas.js';
import { deriveClamVars } from './derived-vars.js';
import { Problems } from './problems.js';
import { varsSchema } from './schema.js';

/**
 * `vars_schema: clam`: validates the CLAM playbook's variables of one host and returns a new vars
 * object: the input plus defaults and derived values (see ClamVars). Throws InputError(s)
 * pointing at file:line:col.
 */
export function normalizeClamVars(vars: Record<string, unknown>, host: SchemaHost): Record<string, unknown> {
  const problems = new Problems(vars, host);
  const parsed = varsSchema.safeParse(vars, { reportInput: true });
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
