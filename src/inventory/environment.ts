import { InputError } from '../core/errors.js';
import { isSecretName, secrets } from '../core/secrets.js';
import { isUnsafeValue, locate, MAX_STRING_LENGTH } from '../input/yaml-source.js';

// A value that is exactly `${NAME}` is replaced from the environment; `$${NAME}` is the literal text
// `${NAME}`. Inside longer text (`/opt/bin:${PATH}`) nothing is replaced: Ansible keeps such values
// as they are, and a shell on the host may be meant to expand them.
const REFERENCE = /^\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Replaces the string values `${NAME}` below `root`, in place (the parsed objects keep their
 * identity, so their source positions stay known). Values of variables whose name says they are
 * secret are registered for masking. Returns one error per missing variable.
 */
export function substituteEnvironment(root: unknown, env: NodeJS.ProcessEnv): InputError[] {
  const errors: InputError[] = [];
  const visit = (container: Record<string, unknown> | unknown[]): void => {
    for (const [key, value] of Object.entries(container)) {
      if (typeof value === 'string' && !isUnsafeValue(container, Array.isArray(container) ? Number(key) : key)) {
        const replaced = substitute(value, env, (name) => {
          errors.push(new InputError(`environment variable ${name} is not set (referenced as \${${name}})`, locate(container, Array.isArray(container) ? Number(key) : key)));
        });
        if (replaced.length > MAX_STRING_LENGTH) {
          errors.push(new InputError(`the value is ${replaced.length} characters long with the environment's values: at most ${MAX_STRING_LENGTH} are allowed`, locate(container, Array.isArray(container) ? Number(key) : key)));
        } else if (replaced !== value) (container as Record<string, unknown>)[key] = replaced;
      } else if (typeof value === 'object' && value !== null && !seen.has(value)) {
        seen.add(value);
        visit(value as Record<string, unknown>);
      }
    }
  };
  const seen = new Set<object>();
  if (typeof root === 'object' && root !== null) visit(root as Record<string, unknown>);
  return errors;
}

function substitute(text: string, env: NodeJS.ProcessEnv, missing: (name: string) => void): string {
  return text.replace(REFERENCE, (whole, escaped: string, name: string) => {
    if (escaped) return whole.slice(1);
    const value = env[name];
    if (value === undefined) {
      missing(name);
      return whole;
    }
    if (isSecretName(name)) secrets.add(value);
    return value;
  });
}
