import { z } from 'zod';

/**
 * The one checked type of every value clamprovision writes into uwsgi.ini, the systemd units and
 * the nginx and Apache files: a single line of visible characters that ends no directive and
 * expands nothing. uWSGI expands `$(VAR)` and `%x`, nginx `$var` (in map values, uwsgi_param,
 * alias), Apache `%{VAR}` (RequestHeader, expressions): `$` and `%` are refused outright, as are
 * control, bidi and zero-width characters (a name that reads differently from what it is).
 */

// \p{Cc}: controls (newline, NUL, ESC, DEL, C1); \p{Cf}: bidi controls, zero-width characters,
// the BOM, soft hyphen; \p{Cs}: lone surrogates; \s: spaces, tabs, U+2028/U+2029.
const INVISIBLE = String.raw`\s\p{Cc}\p{Cf}\p{Cs}`;
// what ends a directive or a value in one of the files, or starts a comment or an expansion there
const SYNTAX = String.raw`;{}"'\\#<>$%`;

/** A single word: server_name, pip_trusted_host. */
export const CONFIG_WORD = new RegExp(`^[^${INVISIBLE}${SYNTAX}/]+$`, 'u');
export const CONFIG_WORD_RULE = 'must be a single word without spaces, quotes, / ; { } # < > $ % backslashes or invisible characters';

/** An absolute path on the host: wsgi, data_dir, static.dir; a URL path: static.url. */
export const CONFIG_PATH = new RegExp(`^/[^${INVISIBLE}${SYNTAX}]*$`, 'u');
export const CONFIG_PATH_RULE = 'must be an absolute path on the host (starting with /) without spaces, quotes, ; { } # < > $ % backslashes or invisible characters';

/** The first character a config value may not hold, as a reader can see it: `U+202E`, `'$'`. */
export function offendingCharacter(value: string, allowed: RegExp): string | undefined {
  for (const char of value) {
    if (allowed.test(`/${char}`) || allowed.test(char)) continue;
    return /[\p{L}\p{N}\p{P}\p{S}]/u.test(char) && !/\s/.test(char) ? `'${char}'` : `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}

function checked(rule: RegExp, ruleText: string, asChecked: (value: string) => string = (value) => value) {
  return z.string().refine((value) => rule.test(asChecked(value)), {
    error: (issue) => {
      const input = typeof issue.input === 'string' ? issue.input : '';
      const char = input === '' ? undefined : offendingCharacter(input, rule);
      return char === undefined ? ruleText : `${ruleText} (it holds ${char})`;
    },
  });
}

export const configWord = () => checked(CONFIG_WORD, CONFIG_WORD_RULE);
export const configPath = () => checked(CONFIG_PATH, CONFIG_PATH_RULE);
export const configUrlPath = () => checked(CONFIG_PATH, CONFIG_PATH_RULE.replace('an absolute path on the host', 'a URL path'));
/** A path on the host, or one relative to a directory there (a service's wsgi under its source). */
export const configPathOrRelative = () =>
  checked(CONFIG_PATH, CONFIG_PATH_RULE.replace('an absolute path on the host (starting with /)', 'a path'), (value) => (value.startsWith('/') ? value : `/${value}`));
