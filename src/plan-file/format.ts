import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { TOOL_VERSION } from '../core/tool-version.js';
import type { HostResult } from '../engine/results.js';
import { maskedJson } from '../report/json.js';
import { PLAN_FORMAT, PLAN_MARKER } from './marker.js';

/**
 * A saved plan (`plan --out FILE`): a JSON document that starts with its format marker (marker.ts).
 * Every string in it went through the secrets registry (as --json does); its checksum catches a file
 * edited or cut short (it is no signature: whoever may write the file may write a new checksum too).
 */
export const PLAN_FORMAT_VERSION = 1;

const taskSchema = z.object({
  name: z.string(),
  module: z.string(),
  status: z.enum(['ok', 'changed', 'failed', 'skipped']),
  handler: z.literal(true).optional(),
  check: z.literal(true).optional(),
  summary: z.array(z.string()).optional(),
  diff: z.string().optional(),
  error: z.string().optional(),
});

const hostSchema = z.object({
  name: z.string(),
  address: z.string(),
  status: z.enum(['ok', 'changed']),
  commands: z.number().int().nonnegative(),
  tasks: z.array(taskSchema),
  facts: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), parts: z.record(z.string(), z.string()) }),
});

const planSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  formatVersion: z.literal(PLAN_FORMAT_VERSION),
  tool: z.object({ name: z.literal('clamprovision'), version: z.string() }),
  createdAt: z.string(),
  /** what `plan` was given: apply runs with exactly these */
  options: z.object({
    inventory: z.union([z.string(), z.array(z.string()).min(1)]),
    playbook: z.string().optional(),
    limit: z.string().optional(),
    tags: z.array(z.string()).optional(),
  }),
  inputs: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  hosts: z.array(hostSchema),
  summary: z.object({ ok: z.number(), changed: z.number(), failed: z.number(), unreachable: z.number() }),
  checksum: z.string(),
});

export type SavedPlan = z.output<typeof planSchema>;
export type SavedHost = SavedPlan['hosts'][number];
export type SavedTask = SavedHost['tasks'][number];
export type PlanBody = Omit<SavedPlan, 'checksum'>;

function checksumOf(body: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
}

/** The plan's text: masked, then checksummed over what is written. */
export function planFileText(body: PlanBody): string {
  const masked = JSON.parse(maskedJson(body)) as PlanBody;
  return JSON.stringify({ ...masked, checksum: checksumOf(masked) }, null, 2) + '\n';
}

/** Writes the plan (whole or not at all: a plan cut short by a crash must not be applied). */
export function writePlanFile(file: string, body: PlanBody): void {
  const partial = `${file}.partial-${process.pid}`;
  writeFileSync(partial, planFileText(body), { mode: 0o600 });
  renameSync(partial, file);
}

/** A saved plan, checked; InputError for a file that is unreadable, damaged, edited, or of another version. */
export function readPlanFile(file: string): SavedPlan {
  const where = { file, line: 1, col: 1 };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the plan: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, where);
  }
  if (!PLAN_MARKER.test(text)) throw new InputError(`not a saved plan: a plan file starts with {"format": "${PLAN_FORMAT}"`, where);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`the plan is damaged (not valid JSON: ${(error as Error).message}); make a new plan`, where);
  }
  const version = (data as { formatVersion?: unknown }).formatVersion;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new InputError(`the plan has format version ${JSON.stringify(version)}; this clamprovision reads version ${PLAN_FORMAT_VERSION}: make a new plan`, where);
  }
  const { checksum, ...body } = data as Record<string, unknown>;
  if (checksum !== checksumOf(body)) throw new InputError('the plan was edited or damaged since it was written (its checksum does not match); make a new plan', where);
  const parsed = planSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`the plan is not a valid plan: ${issue.path.join('.') || 'document'}: ${issue.message}`, where);
  }
  if (parsed.data.tool.version !== TOOL_VERSION) {
    throw new InputError(`the plan was made by clamprovision ${parsed.data.tool.version}; this is ${TOOL_VERSION}: make a new plan with this version`, where);
  }
  return parsed.data;
}

/** The hosts of a saved plan as results of a run, for the reports (show, JUnit, step summary). */
export function plannedResults(plan: SavedPlan): HostResult[] {
  return plan.hosts.map(({ facts: _facts, ...host }) => host);
}

