const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A value as messages show it: control, bidi and zero-width characters, lone surrogates and line
 * separators escaped (`\n`, `\u202E`), since they would change what the message reads like.
 */
export function escapeInvisible(value: string): string {
  return value.replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, (char) => ESCAPES[char] ?? `\\u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
}
