/**
 * More hosts than one inventory may name, in one range, a product of ranges or in all: a range this
 * wide is a typo (`h[0:20000000]`), and expanding it would not end.
 */
export const MAX_HOSTS = 100_000;

/**
 * Ansible's host ranges: `www[01:50].example.org`, `db-[a:f]`, `node[0:20:5]`. Numeric ranges keep
 * the width of a zero-padded start. Several ranges in one name multiply. Throws a plain Error
 * with the reason when a range is malformed or names more than MAX_HOSTS hosts; the caller adds
 * the position.
 */
export function expandHostRange(name: string): string[] {
  const total = hostCount(name);
  if (total > MAX_HOSTS) throw new Error(`host pattern '${name}' names ${total > 1e15 ? 'more than 10^15' : total} hosts: at most ${MAX_HOSTS} are allowed`);
  return expand(name);
}

interface Range {
  head: string;
  tail: string;
  items: () => string[];
  count: number;
}

function firstRange(name: string): Range | undefined {
  const match = /^(.*?)\[([^\]]*)\](.*)$/.exec(name);
  if (!match) {
    if (/[[\]]/.test(name)) throw new Error(`host name '${name}' has an unmatched bracket`);
    return undefined;
  }
  const [, head, range, tail] = match as unknown as [string, string, string, string];
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`host range '[${range}]' must be [START:END] or [START:END:STEP]`);
  const [start, end, stepText] = parts as [string, string, string | undefined];
  const step = stepText === undefined || stepText === '' ? 1 : Number(stepText);
  if (!Number.isSafeInteger(step) || step < 1) throw new Error(`host range '[${range}]' has an invalid step`);

  let from: number;
  let to: number;
  let item: (value: number) => string;
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    from = Number(start);
    to = Number(end);
    if (!Number.isSafeInteger(to)) throw new Error(`host range '[${range}]' ends past ${Number.MAX_SAFE_INTEGER}`);
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    item = (value) => String(value).padStart(width, '0');
  } else if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    from = start.charCodeAt(0);
    to = end.charCodeAt(0);
    item = (value) => String.fromCharCode(value);
  } else {
    throw new Error(`host range '[${range}]' must be numbers ([01:20]) or single letters ([a:f])`);
  }
  if (from > to) throw new Error(`host range '[${range}]' runs backwards`);
  const count = Math.floor((to - from) / step) + 1;
  const items = (): string[] => Array.from({ length: count }, (_, i) => item(from + i * step));
  return { head, tail, items, count };
}

/** How many names a pattern expands to, without expanding it (the ranges multiply). */
function hostCount(name: string): number {
  const range = firstRange(name);
  if (!range) return 1;
  // Every expansion of the first range leaves the same ranges after it; the head holds none.
  return range.count * hostCount(`${range.head}x${range.tail}`);
}

function expand(name: string): string[] {
  const range = firstRange(name);
  if (!range) return [name];
  return range.items().flatMap((item) => expand(`${range.head}${item}${range.tail}`));
}
