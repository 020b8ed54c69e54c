import { z } from 'zod';

/**
 * File modes are written in octal digits. A string '0644' or '644' is octal; so is a number,
 * because YAML 1.2 reads an unquoted 0644 as the decimal 644: its digits are what the user meant.
 */
export function parseMode(value: string | number): number {
  const digits = typeof value === 'number' ? String(value) : value.trim();
  if (!/^0?[0-7]{3,4}$/.test(digits)) {
    throw new Error(`"${value}" is not a file mode: write it in octal digits like '0644' or '0755'`);
  }
  return parseInt(digits, 8);
}

/**
 * A file copied from the controller without an explicit mode (a single file or one below a copied
 * directory): 0644, 0755 if executable, but never more than its local mode: a file kept private on
 * the controller (0600, 0640) stays so on the host.
 */
export function defaultFileMode(localMode: number): number {
  return (localMode & 0o111 ? 0o755 : 0o644) & localMode;
}

export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

export const modeSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseMode(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A user or group name as useradd accepts it (names, not numeric ids: facts report names). */
export const accountNameSchema = z
  .string()
  .max(32)
  .regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'not a valid user or group name (numeric ids are not accepted: use the name)');

export const absolutePathSchema = z
  .string()
  .min(1)
  .refine((path) => path.startsWith('/'), 'must be an absolute path on the host')
  .refine((path) => !path.includes('\0') && !path.includes('\n'), 'must not contain NUL or newline characters')
  .transform((path) => (path.length > 1 ? path.replace(/\/+$/, '') : path));
