export interface Word {
  text: string;
  /** 0-based offset in the line where the word starts */
  start: number;
}

/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible uses for the host lines of
 * an INI inventory: words split at whitespace, quotes removed ('…' verbatim, "…" with \" and \\),
 * a backslash outside quotes escapes the next character, and `#` outside quotes ends the line (also
 * inside a word: `a=b#c` is `a=b`). Throws a plain Error on an unclosed quote or a final backslash.
 */
export function shlexSplit(line: string): Word[] {
  const words: Word[] = [];
  let current: Word | undefined;
  let i = 0;
  const add = (char: string, at: number): void => {
    current ??= { text: '', start: at };
    current.text += char;
  };
  while (i < line.length) {
    const char = line[i]!;
    if (/\s/.test(char)) {
      if (current) words.push(current);
      current = undefined;
      i++;
    } else if (char === '#') {
      break;
    } else if (char === '\\') {
      if (i + 1 >= line.length) throw new Error('no escaped character');
      add(line[i + 1]!, i);
      i += 2;
    } else if (char === "'" || char === '"') {
      current ??= { text: '', start: i };
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new Error('no closing quotation');
        const inner = line[j]!;
        if (inner === char) break;
        if (char === '"' && inner === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) {
          current.text += line[j + 1];
          j += 2;
          continue;
        }
        current.text += inner;
        j++;
      }
      i = j + 1;
    } else {
      add(char, i);
      i++;
    }
  }
  if (current) words.push(current);
  return words;
}
