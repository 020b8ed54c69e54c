/** Where a value came from in an input file (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export function formatLocation(location: SourceLocation | undefined): string {
  return location ? `${location.file}:${location.line}:${location.col}` : '';
}

/** Bad input: reported with file:line:col before any host is contacted; exit code 1. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(message);
    this.name = 'InputError';
  }

  format(): string {
    return this.location ? `${formatLocation(this.location)}: ${this.message}` : this.message;
  }
}

/** Several input errors found in one pass, so the user can fix them all at once. */
export class InputErrors extends Error {
  constructor(readonly errors: InputError[]) {
    super(errors.map((e) => e.format()).join('\n'));
    this.name = 'InputErrors';
  }
}

export function isInputError(error: unknown): error is InputError | InputErrors {
  return error instanceof InputError || error instanceof InputErrors;
}

/** The input errors an exception carries, or undefined when it is not about the input. */
export function inputErrorsIn(error: unknown): InputError[] | undefined {
  if (error instanceof InputErrors) return error.errors;
  if (error instanceof InputError) return [error];
  return undefined;
}

/** Earlier positions first: file, then line, then column. */
export function byLocation(a: InputError, b: InputError): number {
  const fa = a.location?.file ?? '';
  const fb = b.location?.file ?? '';
  return fa.localeCompare(fb) || (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0);
}

/** Throws what one pass over the input found, all at once: a single error as itself; nothing when none. */
export function throwIfAny(errors: readonly InputError[]): void {
  if (errors.length === 0) return;
  throw errors.length === 1 ? errors[0]! : new InputErrors([...errors]);
}
