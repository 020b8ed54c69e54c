import { inputErrorsIn, type InputError } from '../../../src/core/errors.js';

/** The input errors `run` throws ([] when it throws none); any other exception is rethrown. */
export function inputErrorsThrownBy(run: () => unknown): InputError[] {
  try {
    run();
  } catch (error) {
    const found = inputErrorsIn(error);
    if (!found) throw error;
    return found;
  }
  return [];
}
