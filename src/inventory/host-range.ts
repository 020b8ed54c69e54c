/**
 * Ansible's host ranges: `www[01:50].example.org`, `db-[a:f]`, `node[0:20:5]`. Numeric ranges keep
 * the width of a zero-padded start. Several ranges in one name multiply. Throws a plain Error
 * with the reason when a range is malformed; the caller adds the position.
 */
export function expandHostRange(name: string): string[] {
  const match = /^(.*?)\[([^\]]*)\](.*)$/.exec(name);
  if (!match) {
    if (/[[\]]/.test(name)) throw new Error(`host name '${name}' has an unmatched bracket`);
    return [name];
  }
  const [, head, range, tail] = match as unknown as [string, string, string, string];
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`host range '[${range}]' must be [START:END] or [START:END:STEP]`);
  const [start, end, stepText] = parts as [string, string, string | undefined];
  const step = stepText === undefined || stepText === '' ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new Error(`host range '[${range}]' has an invalid step`);

  let items: string[];
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    const from = Number(start);
    const to = Number(end);
    if (from > to) throw new Error(`host range '[${range}]' runs backwards`);
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    items = [];
    for (let i = from; i <= to; i += step) items.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    const from = start.charCodeAt(0);
    const to = end.charCodeAt(0);
    if (from > to) throw new Error(`host range '[${range}]' runs backwards`);
    items = [];
    for (let code = from; code <= to; code += step) items.push(String.fromCharCode(code));
  } else {
    throw new Error(`host range '[${range}]' must be numbers ([01:20]) or single letters ([a:f])`);
  }
  return items.flatMap((item) => expandHostRange(`${head}${item}${tail}`));
}
