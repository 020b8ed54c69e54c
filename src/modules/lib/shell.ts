import { shellQuote } from '../../core/shell-quote.js';

export { shellQuote };

/** The first lines of every module script: stop at the first failure, a known PATH and locale. */
export const SCRIPT_HEADER = [
  'set -e',
  'export LC_ALL=C',
  'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
].join('\n');

/**
 * A whole module script. The body is one `{ … } </dev/null` group: sh reads all of it before running
 * any of it, so no command can read the rest of the script from stdin (the script arrives on
 * `sh -s`'s stdin), and nothing waits for input.
 */
export function script(...parts: (string | false | undefined | null)[]): string {
  const body = parts.filter((part): part is string => typeof part === 'string' && part !== '');
  return [SCRIPT_HEADER, '{', ...body, '} </dev/null', ''].join('\n');
}

/** A heredoc delimiter that cannot occur in base64 text. */
export const HEREDOC_END = 'CLAMPROVISION_EOF';

/** COMMAND with CONTENT, base64, on its stdin from a quoted heredoc: the bytes never appear in argv. */
export function withBase64Stdin(command: string, content: Buffer): string {
  const encoded = content.toString('base64').replace(/.{1,76}/g, '$&\n');
  return `${command} <<'${HEREDOC_END}'\n${encoded}${HEREDOC_END}`;
}

/** Fails the script with a message on stderr. */
export function fail(message: string): string {
  return `{ printf '%s\\n' ${shellQuote(message)} >&2; exit 1; }`;
}
