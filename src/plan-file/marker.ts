import { readFileSync } from 'node:fs';

/**
 * A saved plan starts with its format marker, `{"format": "clamprovision-plan"`: that is how
 * `apply FILE` tells a plan from an inventory (YAML, or JSON without the marker) by content alone.
 * A module of its own so the CLI tells them apart without loading the plan's reader.
 */
export const PLAN_FORMAT = 'clamprovision-plan';

export const PLAN_MARKER = new RegExp(`^\\s*\\{\\s*"format"\\s*:\\s*"${PLAN_FORMAT}"`);

/** Whether a file holds a saved plan rather than an inventory (false when it cannot be read). */
export function isPlanFile(file: string): boolean {
  try {
    return PLAN_MARKER.test(readFileSync(file, 'utf8').slice(0, 200));
  } catch {
    return false;
  }
}
