import { parse as parseNginx } from 'nginx-conf';

interface NginxNode {
  name: string;
  value: string;
  readonly children: NginxNode[] | null;
}

/** Where a web site answers: the ports it listens on and the host names it claims there. */
export interface SiteBinding {
  ports: number[];
  /** lower-case names as written (exact, `*.example.org`, `.example.org`; regexes `~…` are kept) */
  names: string[];
}

function unquote(word: string): string {
  return /^(['"]).*\1$/.test(word) ? word.slice(1, -1) : word;
}

/** nginx's `listen` value -> its port; undefined for a unix socket. */
function nginxListenPort(value: string): number | undefined {
  const address = unquote(value.trim().split(/\s+/)[0] ?? '');
  if (address.startsWith('unix:')) return undefined;
  const port = /^\d+$/.test(address) ? address : /:(\d+)$/.exec(address)?.[1];
  // `listen 127.0.0.1;` (an address alone) means port 80
  return port === undefined ? 80 : Number(port);
}

/**
 * The server blocks of an nginx configuration file (a site or a conf.d file, i.e. http{} context).
 * Blocks inside stream{}, mail{} or upstream{} are not web sites and are left out. Undefined when
 * the text cannot be parsed (nginx -t will say why).
 */
export function nginxSiteBindings(text: string): SiteBinding[] | undefined {
  let tree: NginxNode | undefined;
  // the parser is synchronous: the callback has run when parse() returns
  parseNginx(text, (error, result) => {
    if (!error) tree = result;
  });
  if (!tree) return undefined;
  const bindings: SiteBinding[] = [];
  const visit = (node: NginxNode): void => {
    for (const child of node.children ?? []) {
      if (['stream', 'mail', 'upstream', 'location', 'if', 'map', 'geo', 'types'].includes(child.name)) continue;
      if (child.name !== 'server') {
        visit(child);
        continue;
      }
      const directives = child.children ?? [];
      const listens = directives.filter((d) => d.name === 'listen').map((d) => nginxListenPort(d.value));
      const ports = listens.length === 0 ? [80] : listens.filter((port): port is number => port !== undefined);
      const names = directives
        .filter((d) => d.name === 'server_name')
        .flatMap((d) => d.value.trim().split(/\s+/).map(unquote))
        .filter((name) => name !== '')
        .map((name) => name.toLowerCase());
      bindings.push({ ports: [...new Set(ports)], names });
    }
  };
  visit(tree);
  return bindings;
}

/** Apache's lines with their `\` continuations joined, comments dropped. */
function apacheLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** ServerName's value -> its host name (it may carry a scheme and a port). */
function apacheServerName(value: string): string {
  return value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/:\d+$/, '').toLowerCase();
}

/** The <VirtualHost> blocks of an Apache configuration file. */
export function apacheSiteBindings(text: string): SiteBinding[] {
  const bindings: SiteBinding[] = [];
  let current: SiteBinding | undefined;
  for (const line of apacheLines(text)) {
    const open = /^<VirtualHost\s+([^>]*)>/i.exec(line);
    if (open) {
      const ports = open[1]!.trim().split(/\s+/).map((address) => {
        const port = /:(\d+|\*)$/.exec(address)?.[1];
        return port === undefined || port === '*' ? 80 : Number(port);
      });
      current = { ports: [...new Set(ports)], names: [] };
      continue;
    }
    if (/^<\/VirtualHost\s*>/i.test(line)) {
      if (current) bindings.push(current);
      current = undefined;
      continue;
    }
    const directive = /^(ServerName|ServerAlias)\s+(.+)$/i.exec(line);
    if (current && directive) {
      current.names.push(...directive[2]!.split(/\s+/).map(unquote).filter(Boolean).map(apacheServerName));
    }
  }
  return bindings;
}

/** A name pattern of nginx (`*.x`, `x.*`, `.x`) or Apache (`*`, `?` wildcards) matching NAME. */
function nameMatches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (pattern.startsWith('~')) return false; // a regex: not judged
  if (pattern.startsWith('.')) return name === pattern.slice(1) || name.endsWith(pattern);
  if (!/[*?]/.test(pattern)) return false;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(name);
}

/** Why BINDING takes requests meant for SERVER_NAME on one of PORTS; undefined when it does not. */
export function bindingClash(binding: SiteBinding, ports: readonly number[], serverName: string): string | undefined {
  const sharedPorts = binding.ports.filter((port) => ports.includes(port));
  if (sharedPorts.length === 0) return undefined;
  const name = serverName.toLowerCase();
  const pattern = binding.names.find((candidate) => nameMatches(candidate, name));
  if (pattern === undefined) return undefined;
  const portText = sharedPorts.length === 1 ? `port ${sharedPorts[0]}` : `ports ${sharedPorts.join(', ')}`;
  return pattern === name ? `server name ${serverName} on ${portText}` : `server name ${pattern} (matches ${serverName}) on ${portText}`;
}
