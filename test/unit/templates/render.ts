/**
 * Renders the playbook's EJS templates the way a deployment does: variables normalized by the CLAM
 * schema (src/clam/variables.ts) for a host, `item` = one service, through the template module's
 * strict renderer (an undefined name or property is an error).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClamService } from '../../../src/clam/types.js';
import { normalizeClamVars } from '../../../src/clam/variables.js';
import { renderTemplate } from '../../../src/modules/lib/render.js';
import { tempTree } from '../input/temp-files.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const examplesDir = join(repoRoot, 'examples');
export const templatesDir = join(repoRoot, 'templates');

export type Vars = Record<string, unknown>;
/** A service as the templates see it (`item`): normalized by the CLAM schema. */
export type Service = ClamService;

/** The example hello service at `prefix`, as an inventory would write it. */
export function helloService(prefix: string, extra: Vars = {}): Vars {
  return { name: prefix === '/' ? 'hello' : prefix.slice(1).replace(/\W/g, '_'), source: 'hello', wsgi: 'hello.wsgi', url_prefix: prefix, ...extra };
}

/** The example CLAM webservice Shout (examples/shout) at `prefix`, as examples/inventory.lab.yml writes it. */
export function shoutService(prefix = '/shout', extra: Vars = {}): Vars {
  return { name: 'shout', source: 'shout', wsgi: 'shout.wsgi', url_prefix: prefix, pip_packages: ['clam'], ...extra };
}

/** Host variables after `vars_schema: clam`, for a host named web1 whose inventory lives in examples/. */
export function hostVars(inventoryVars: Vars): Vars {
  return normalizeClamVars({ ...inventoryVars }, { name: 'web1', inventoryDir: examplesDir });
}

export function render(template: string, vars: Vars, item?: unknown): string {
  const path = join(templatesDir, template);
  return renderTemplate(readFileSync(path, 'utf8'), item === undefined ? vars : { ...vars, item }, path);
}

export function services(vars: Vars): Service[] {
  return vars.services as Service[];
}

/** The env file of `service` (service.env.ejs) written to a fresh temporary directory: its path. */
export function writeEnvFile(vars: Vars, service: Service): string {
  return join(tempTree({ env: render('service.env.ejs', vars, service) }), 'env');
}

/** Lines without surrounding blanks, comments dropped: what the program reading the file sees. */
export function directives(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Position of the first directive line that starts with `prefix` (-1 when none). */
export function lineIndex(text: string, prefix: string): number {
  return directives(text).findIndex((line) => line.startsWith(prefix));
}
