/**
 * A host name as Ansible's inventories read it (parse_address): `web1:2222`, `[2001:db8::1]:2222`
 * and `[10.0.0.1]:22` carry a port; a bare IPv6 address (`2001:db8::1`) does not. A name that is
 * no host name, IPv4 or IPv6 address keeps its port part, as in Ansible (`my host:22` stays a name).
 */
export function splitHostPort(pattern: string): { name: string; port?: number } {
  let name = pattern;
  let port: number | undefined;
  const bracketed = /^\[(.+)\]:([0-9]+)$/.exec(name);
  if (bracketed) [name, port] = [bracketed[1]!, Number(bracketed[2])];
  const plain = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/.exec(name);
  if (plain) [name, port] = [plain[1]!, Number(plain[2])];
  if (port === undefined || !isAddress(name)) return { name: pattern };
  return { name, port };
}

// Ranges ([01:10], [a:f]) count as one character of a name.
const RANGE = /\[[0-9a-z]+:[0-9a-z]+(?::[0-9]+)?\]/gi;
const LABEL = /^\w(?:[\w-]*\w)?$/u;

function isAddress(name: string): boolean {
  const flat = name.replace(RANGE, '0');
  if (/^[0-9a-f:.]+$/i.test(flat) && flat.includes(':')) return true;
  return flat.split('.').every((label) => LABEL.test(label));
}
