import { registerModule } from '../modules/registry.js';
import { registerVarsSchema } from '../playbook/vars-schemas.js';
import { clamCheck } from './health-check.js';
import { HOST_VARIABLE_KEYS } from './schema.js';
import { normalizeClamVars } from './variables.js';

/** CLAM as a plugin of the generic core: `vars_schema: clam` and the `clam_check` module. */
export function registerClamPlugin(): void {
  registerVarsSchema('clam', normalizeClamVars, HOST_VARIABLE_KEYS);
  registerModule(clamCheck);
}
