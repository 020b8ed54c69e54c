import type { SourceLocation } from '../core/errors.js';

/** The host whose variables a schema checks. */
export interface SchemaHost {
  name: string;
  /** where relative local paths in its variables start */
  inventoryDir: string;
  /** where the host is declared: the position for errors about variables it lacks */
  location?: SourceLocation;
}

/**
 * What `vars_schema: NAME` does to the variables of one host in a play: checks them and returns
 * them with defaults and derived values added. Throws InputError(s) pointing at file:line:col.
 */
export type VarsSchema = (vars: Record<string, unknown>, host: SchemaHost) => Record<string, unknown>;

// The generic core knows no schema: plugins register theirs by name before a playbook is loaded.
const schemas = new Map<string, VarsSchema>();
const schemaVariables = new Map<string, readonly string[]>();

/** `variables`: the host variables the schema reads; a near misspelling of one is an error. */
export function registerVarsSchema(name: string, schema: VarsSchema, variables: readonly string[] = []): void {
  const existing = schemas.get(name);
  if (existing !== undefined && existing !== schema) throw new Error(`a vars schema named '${name}' is already registered`);
  schemas.set(name, schema);
  schemaVariables.set(name, variables);
}

export function varsSchemaVariables(name: string): readonly string[] {
  return schemaVariables.get(name) ?? [];
}

export function varsSchemaNames(): string[] {
  return [...schemas.keys()];
}

export function varsSchemaNamed(name: string): VarsSchema {
  const schema = schemas.get(name);
  if (schema === undefined) throw new Error(`internal error: no vars schema named '${name}' is registered`);
  return schema;
}
