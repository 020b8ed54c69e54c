/**
 * The facts script's output protocol, one record a line:
 *   @@clamprovision-facts 1          header
 *   @@KIND KEY FIELD…                KEY = base64 of the request's path/name/command
 *   @@end                            the script ran to its end
 * Every field that may hold arbitrary bytes is base64 (`b:` prefix where "missing" must be told
 * apart from "empty") or, where awk prints it, hex (`x:`), so the outer protocol stays plain ASCII whatever the host's files contain.
 */
export const FACTS_PROTOCOL_VERSION = 1;

/** The name of the record every facts output starts with. */
export const FACTS_HEADER = 'clamprovision-facts';

/** The facts output could not be understood (a truncated run, a host without a POSIX userland…). */
export class FactsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactsError';
  }
}

export function encodeKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64');
}

export function decodeKey(field: string | undefined): string {
  if (field === undefined) throw new FactsError('facts output: a record without its key');
  return Buffer.from(field, 'base64').toString('utf8');
}

/** `b:BASE64` or `x:HEX` (what awk can print) -> bytes; `-` (missing) and `!` (unreadable) -> undefined */
export function decodeBlob(field: string | undefined): Buffer | undefined {
  if (field?.startsWith('b:')) return Buffer.from(field.slice(2), 'base64');
  if (field?.startsWith('x:')) return Buffer.from(field.slice(2), 'hex');
  return undefined;
}

export function decodeText(field: string | undefined): string {
  return decodeBlob(field)?.toString('utf8') ?? '';
}
