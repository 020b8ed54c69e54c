/**
 * YAML 1.1 timestamps with a time of day, as PyYAML reads them: a datetime object, which Ansible
 * writes as `str(datetime)` in templates (`2017-03-07 10:20:49+00:00`) and as its isoformat in
 * ansible-inventory (`2017-03-07T10:20:49+00:00`). We keep the first as the value's text and mark
 * the value, so that `inventory --list` can write the second.
 */

/** PyYAML's timestamp resolver, the forms with a time of day (a date alone stays text, as Ansible lists it). */
export const PYYAML_DATETIME = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?$/;

const PARTS =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d{1,2})(?::(\d{2}))?))?$/;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Python's str() of the datetime PyYAML makes of the text; an Error when Python would refuse it (month 13, hour 24). */
export function pythonDateTimeText(text: string): string {
  const match = PARTS.exec(text);
  if (!match) throw new Error(`'${text}' is not a YAML date and time`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) {
    throw new Error(`'${text}' is not a valid date and time`);
  }
  const microseconds = Number((match[7] ?? '').slice(0, 6).padEnd(6, '0'));
  let zone = '';
  if (match[8] === 'Z') zone = '+00:00';
  else if (match[9]) {
    const hours = Number(match[10]);
    const minutes = Number(match[11] ?? 0);
    if (hours > 23 || minutes > 59) throw new Error(`'${text}' has an invalid time zone offset`);
    zone = hours === 0 && minutes === 0 ? '+00:00' : `${match[9]}${pad(hours)}:${pad(minutes)}`;
  }
  const fraction = microseconds === 0 ? '' : `.${pad(microseconds, 6)}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${zone}`;
}

/** The isoformat ansible-inventory writes for the datetime whose str() is `text`. */
export function isoDateTimeText(text: string): string {
  return `${text.slice(0, 10)}T${text.slice(11)}`;
}
