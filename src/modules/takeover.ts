import path from 'node:path';
import { z } from 'zod';
import type { FactRequest, HostFacts } from '../facts/types.js';
import { defineModule, type PlannedChange } from './types.js';
import { needFact } from './lib/facts.js';
import { absolutePathSchema } from './lib/mode.js';
import { describeProcess, portHolders, stopSignal, type PortHolder } from './lib/port-holders.js';
import { script, shellQuote } from './lib/shell.js';
import { apacheSiteBindings, bindingClash, nginxSiteBindings, type SiteBinding } from './lib/site-bindings.js';

/** The first line of every file clamprovision writes: what carries it is ours, not taken over. */
const MANAGED_HEADER = /^# Managed by clamprovision\b/;

/** The enabled configuration files of each webserver, as Debian's nginx.conf and apache2.conf include them. */
const SITE_FILES = {
  nginx: ['/etc/nginx/sites-enabled/*', '/etc/nginx/conf.d/*.conf'],
  apache: ['/etc/apache2/sites-enabled/*.conf'],
} as const;

const port = z.int().min(1).max(65535);
const unitName = z.string().regex(/^[A-Za-z0-9:_.@-]+\.(service|socket|scope)$/, 'must be a systemd unit name like clam-app.service');

const schema = z.strictObject({
  /** a port this host's services will listen on, and the units allowed to hold it */
  ports: z
    .array(z.strictObject({ port, owners: z.array(unitName).min(1), purpose: z.string().min(1) }))
    .default([]),
  /** the site this host will serve: enabled sites of that webserver answering for the same name and port clash */
  site: z
    .strictObject({ webserver: z.enum(['nginx', 'apache']), server_name: z.string().min(1), ports: z.array(port).min(1) })
    .optional(),
  /** files about to be written (e.g. units): one not written by clamprovision is copied to backup_dir first */
  files: z.array(absolutePathSchema).default([]),
  /** where files taken out of service are kept, under their own path */
  backup_dir: absolutePathSchema.default('/var/backups/clamprovision'),
});

export type TakeoverArgs = z.output<typeof schema>;

function backupPath(args: TakeoverArgs, file: string): string {
  return path.posix.join(args.backup_dir, file);
}

/** Copies (or moves) FILE to its place under backup_dir; a name already taken gets a timestamp. */
function keepScript(args: TakeoverArgs, file: string, move: boolean): string {
  const dest = shellQuote(backupPath(args, file));
  return [
    `dest=${dest}`,
    `[ ! -e "$dest" ] && [ ! -L "$dest" ] || dest="$dest.$(date +%Y%m%dT%H%M%S)"`,
    `mkdir -p -m 0700 ${shellQuote(path.posix.dirname(backupPath(args, file)))}`,
    move ? `mv -f -- ${shellQuote(file)} "$dest"` : `cp -pP -- ${shellQuote(file)} "$dest"`,
  ].join('\n');
}

/** Stops a program holding a port: its unit is stopped and disabled; a process of no unit is signalled. */
function stopScript(holder: PortHolder): string {
  if (holder.stop === 'unit') return `systemctl disable --now ${shellQuote(holder.unit)}`;
  // systemd holds a socket for a unit it did not name: never signal PID 1
  if (holder.root.pid === 1) return `echo 'the port is held by systemd (PID 1) for a socket unit: stop that unit by hand (systemctl list-sockets names it)' >&2
exit 1`;
  const signal = stopSignal(holder.root);
  const pids = holder.pids.join(' ');
  // the first process takes its workers along; what is left after 15 s is killed, if it is still the same program
  return [
    `kill -s ${signal} ${holder.root.pid} 2>/dev/null || true`,
    `i=0`,
    `while kill -0 ${holder.root.pid} 2>/dev/null && [ "$(cat /proc/${holder.root.pid}/comm 2>/dev/null)" = ${shellQuote(holder.root.comm)} ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done`,
    `for pid in ${pids}; do`,
    `  [ "$(cat /proc/$pid/comm 2>/dev/null)" = ${shellQuote(holder.root.comm)} ] && kill -s KILL "$pid" 2>/dev/null || true`,
    `done`,
  ].join('\n');
}

function holderSummary(holder: PortHolder, port: number, purpose: string): string {
  const what = describeProcess(holder.root);
  return holder.stop === 'unit'
    ? `stop and disable ${holder.unit}: its ${what} listens on port ${port}, ${purpose} (its unit file stays)`
    : `stop ${what}: it listens on port ${port}, ${purpose}; no systemd unit started it, so whatever did (a script, cron @reboot, rc.local) must be removed by hand or it starts again at boot`;
}

interface SiteClash {
  file: string;
  reason: string;
  /** the enabled entry is a link: removing it disables the site, its target stays */
  target?: string;
}

function siteClashes(args: TakeoverArgs, facts: HostFacts): SiteClash[] {
  const site = args.site;
  if (!site) return [];
  const clashes: SiteClash[] = [];
  for (const pattern of SITE_FILES[site.webserver]) {
    for (const match of needFact(facts.globs, pattern, 'glob').matches) {
      const entry = needFact(facts.files, match.path, 'file');
      const contentPath = match.realPath ?? match.path;
      const file = needFact(facts.files, contentPath, 'file');
      if (!file.exists || file.type !== 'file' || !file.content) continue;
      const text = file.content.toString('utf8');
      if (MANAGED_HEADER.test(text)) continue;
      const bindings: SiteBinding[] = (site.webserver === 'nginx' ? nginxSiteBindings(text) : apacheSiteBindings(text)) ?? [];
      const reason = bindings.map((binding) => bindingClash(binding, site.ports, site.server_name)).find((clash) => clash !== undefined);
      if (reason === undefined) continue;
      clashes.push({ file: match.path, reason, ...(entry.exists && entry.type === 'link' ? { target: contentPath } : {}) });
    }
  }
  return clashes;
}

/**
 * Takes over a host from a deployment made by hand (or by another tool): a program holding a port
 * this host's services need, an enabled web site answering for the same name and port, a file about
 * to be replaced. Each is named in the plan; apply stops the program (and disables its unit), takes
 * the site out of service and keeps every file it replaces or removes.
 */
export const takeover = defineModule({
  name: 'takeover',
  schema,
  facts(args: TakeoverArgs) {
    const requests: FactRequest[] = [];
    if (args.ports.length > 0) requests.push({ kind: 'listeners', ports: args.ports.map((entry) => entry.port) });
    if (args.site) for (const pattern of SITE_FILES[args.site.webserver]) requests.push({ kind: 'glob', pattern });
    for (const file of args.files) requests.push({ kind: 'file', path: file, content: true });
    return requests;
  },
  plan(args: TakeoverArgs, facts: HostFacts): PlannedChange | null {
    const summary: string[] = [];
    const commands: string[] = [];

    const seen = new Set<number>();
    for (const { port, owners, purpose } of args.ports) {
      for (const holder of portHolders(needFact(facts.listeners, port, 'listeners'), owners)) {
        if (seen.has(holder.root.pid)) continue;
        seen.add(holder.root.pid);
        summary.push(holderSummary(holder, port, purpose));
        commands.push(stopScript(holder));
      }
    }

    for (const clash of siteClashes(args, facts)) {
      const webserver = args.site!.webserver;
      if (clash.target) {
        summary.push(`disable the ${webserver} site ${clash.file} (${clash.reason}, as this host's): the link is removed, ${clash.target} stays`);
        commands.push(`rm -f -- ${shellQuote(clash.file)}`);
      } else {
        summary.push(`disable the ${webserver} site ${clash.file} (${clash.reason}, as this host's): moved to ${backupPath(args, clash.file)}`);
        commands.push(keepScript(args, clash.file, true));
      }
    }

    for (const file of args.files) {
      const fact = needFact(facts.files, file, 'file');
      if (!fact.exists || fact.type !== 'file' || (fact.content && MANAGED_HEADER.test(fact.content.toString('utf8')))) continue;
      summary.push(`keep a copy of ${file} (not written by clamprovision; replaced below) in ${backupPath(args, file)}`);
      commands.push(keepScript(args, file, false));
    }

    if (summary.length === 0) return null;
    return { summary, script: script(...commands) };
  },
});
