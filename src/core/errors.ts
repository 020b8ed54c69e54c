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
