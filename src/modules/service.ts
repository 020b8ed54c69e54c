import { z } from 'zod';
import type { ServiceFact } from '../facts/types.js';
import { PlanError, type ModuleDefinition } from './types.js';
import { needFact } from './lib/facts.js';
import { script, shellQuote } from './lib/shell.js';

const schema = z.strictObject({
  /** the systemd unit (".service" may be left out) or init script */
  name: z.string().regex(/^[A-Za-z0-9@_.:\\-]+$/, 'not a service name'),
  /** restarted and reloaded only in handlers: in a task they would change something on every run */
  state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional(),
  enabled: z.boolean().optional(),
  /** systemctl daemon-reload before acting (a unit file was written in this run) */
  daemon_reload: z.boolean().default(false),
});

export type ServiceArgs = z.output<typeof schema>;

const RUNNING = new Set(['active', 'activating', 'reloading']);
/** unit file states that mean "starts at boot" (static/indirect/generated units can't be enabled) */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'alias', 'linked']);

export const service: ModuleDefinition<ServiceArgs> = {
  name: 'service',
  schema: schema as z.ZodType<ServiceArgs>,
  facts: (args) => [{ kind: 'service', name: args.name }],
  plan(args, facts, context) {
    const fact = needFact(facts.services, args.name, 'service');
    const systemd = facts.init === 'systemd';
    const name = shellQuote(args.name);
    const summary: string[] = [];
    const commands: string[] = [];
    const absent = fact.exists ? '' : ` (${args.name} is not on the host yet)`;

    if ((args.state === 'restarted' || args.state === 'reloaded') && !context.inHandler) {
      throw new PlanError(
        `state: ${args.state} is only allowed in a handler: notify a handler from the task that changes what ${args.name} reads, so it is ${args.state} only when something changed`,
      );
    }
    if (fact.enabled === 'masked' && (args.state === 'started' || args.state === 'restarted' || args.state === 'reloaded' || args.enabled)) {
      throw new PlanError(`${args.name} is masked on the host: unmask it first (systemctl unmask ${args.name})`);
    }

    if (args.enabled !== undefined) {
      const isEnabled = ENABLED.has(fact.enabled);
      if (args.enabled && !isEnabled) {
        summary.push(`enable ${args.name}${absent}`);
        commands.push(systemd ? `systemctl enable ${name}` : `update-rc.d ${name} defaults >/dev/null\nupdate-rc.d ${name} enable`);
      } else if (!args.enabled && fact.exists && (fact.enabled === 'enabled' || fact.enabled === 'enabled-runtime')) {
        summary.push(`disable ${args.name}`);
        commands.push(systemd ? `systemctl disable ${name}` : `update-rc.d ${name} disable`);
      }
    }

    const running = fact.exists && RUNNING.has(fact.active);
    switch (args.state) {
      case 'started':
        if (!running) {
          summary.push(`start ${args.name}${absent}`);
          commands.push(control(systemd, 'start', name));
        }
        break;
      case 'stopped':
        if (running) {
          summary.push(`stop ${args.name}`);
          commands.push(control(systemd, 'stop', name));
        }
        break;
      case 'restarted':
        summary.push(`${running ? 'restart' : 'start'} ${args.name}${absent}`);
        commands.push(control(systemd, running ? 'restart' : 'start', name));
        break;
      case 'reloaded':
        // a stopped service has nothing to reload: start it
        summary.push(`${running ? 'reload' : 'start'} ${args.name}${absent}`);
        commands.push(control(systemd, running ? 'reload' : 'start', name));
        break;
      case undefined:
        break;
    }

    const reload = systemd && (fact.needsDaemonReload || (args.daemon_reload && commands.length > 0));
    if (reload) {
      if (commands.length === 0) summary.push(`reload systemd's unit files (${args.name}'s changed on disk)`);
      commands.unshift('systemctl daemon-reload');
    }
    if (commands.length === 0) return null;
    return { summary, script: script(...commands) };
  },
};

function control(systemd: boolean, action: string, name: string): string {
  return systemd ? `systemctl ${action} ${name}` : `service ${name} ${action}`;
}

export function isRunning(fact: ServiceFact): boolean {
  return fact.exists && RUNNING.has(fact.active);
}
