/** What is wrong with a firewall_allow rule the schema's pattern took (PORT or FROM:TO, then /PROTO); undefined when nothing. */
export function firewallRangeProblem(rule: string): string | undefined {
  const [ports = '', proto] = rule.split('/');
  const [from, to] = ports.split(':').map(Number);
  for (const port of [from, to]) {
    if (port !== undefined && (port < 1 || port > 65535)) return `must hold port numbers from 1 to 65535 (${port} is not one)`;
  }
  if (to === undefined) return undefined;
  if (from! > to) return `is a range written backwards: write ${to}:${from}${proto ? `/${proto}` : ''}`;
  if (proto === undefined) return 'is a range of ports, which ufw takes only with a protocol: write FROM:TO/tcp or FROM:TO/udp';
  return undefined;
}
