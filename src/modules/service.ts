import { z } from 'zod';
import type { ServiceFact } from '../facts/types.js';
import { PlanError, defineModule, type PlannedChange } from './types.js';
import { needFact } from './lib/facts.js';
import { JOURNAL_FUNCTION, UNIT_NAME } from './lib/service-logs.js';
import { script, shellQuote } from './lib/shell.js';

const schema = z.strictObject({
  /** the systemd unit (".service" may be left out) or init script */
  name: z.string().regex(UNIT_NAME, 'not a service name'),
  /** restarted and reloaded only in handlers: in a task they would change something on every run */
  state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional(),
  enabled: z.boolean().optional(),
  /** systemctl daemon-reload before acting (a unit file was written in this run) */
  daemon_reload: z.boolean().default(false),
});

export type ServiceArgs = z.output<typeof schema>;

/** has processes, or is about to: stopped by `stopped`, restarted (not started) by `restarted` */
const RUNNING = new Set(['active', 'activating', 'reloading']);
/**
 * runs and has started: what `started` asks for. An "activating" unit is not there yet — it may be
 * a crashing uWSGI in "activating (auto-restart)", which systemd retries for ever.
 */
const SERVING = new Set(['active', 'reloading']);
/** unit file states that mean "starts at boot" (static/indirect/generated units can't be enabled) */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'alias', 'linked']);

export const service = defineModule({
  name: 'service',
  schema,
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
        commands.push(systemd ? `cp_quiet systemctl enable ${name}` : `update-rc.d ${name} defaults >/dev/null\nupdate-rc.d ${name} enable`);
      } else if (!args.enabled && fact.exists && (fact.enabled === 'enabled' || fact.enabled === 'enabled-runtime')) {
        summary.push(`disable ${args.name}`);
        commands.push(systemd ? `cp_quiet systemctl disable ${name}` : `update-rc.d ${name} disable`);
      }
    }

    const running = fact.exists && RUNNING.has(fact.active);
    const serving = fact.exists && SERVING.has(fact.active);
    switch (args.state) {
      case 'started':
        if (!serving) {
          const note = fact.exists && fact.active === 'activating' ? ` (it is activating: starting, or restarting after a failure)` : absent;
          summary.push(`start ${args.name}${note}`);
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
        summary.push(`${serving ? 'reload' : 'start'} ${args.name}${absent}`);
        commands.push(control(systemd, serving ? 'reload' : 'start', name));
        break;
      case undefined:
        break;
    }

    const reload = systemd && (fact.needsDaemonReload || (args.daemon_reload && commands.length > 0));
    if (reload) {
      if (commands.length === 0) summary.push(`reload systemd's unit files (${args.name}'s changed on disk)`);
      commands.unshift('cp_quiet systemctl daemon-reload');
    }
    if (commands.length === 0) return null;
    const change: PlannedChange = { summary, script: script(...(systemd ? SYSTEMD_FUNCTIONS : []), ...commands) };
    if (args.state === 'started' && !serving) change.supersedes = (handler) => restartOf(handler, args.name);
    return change;
  },
});

/** `restarted` of the unit (".service" may be left out): a start from stopped already does it. */
function restartOf(handler: { module: string; args: unknown }, unit: string): string | undefined {
  if (handler.module !== 'service') return undefined;
  const args = handler.args as ServiceArgs | undefined;
  if (!args) return undefined;
  const name = (unitName: string) => unitName.replace(/\.service$/, '');
  if (args.state !== 'restarted' || args.enabled !== undefined || name(args.name) !== name(unit)) return undefined;
  return `${unit} was started after the change that notified it`;
}

/** Seconds a started unit has to settle (0.5 s a look). */
export const SETTLE_SECONDS = 10;

/**
 * `cp_quiet COMMAND…` shows what the command printed only when it fails: `systemctl enable`'s
 * "Created symlink …" is not an error. `cp_settle UNIT` waits until a unit that systemctl started
 * runs (active, or inactive for a unit that has done its work) in two looks in a row, or has failed:
 * a service that crashes once systemd counted it started (Type=simple, or a uWSGI that fails after
 * it told systemd it is ready) is "activating (auto-restart)" with Restart=on-failure, never
 * "failed". `cp_systemctl ACTION UNIT` runs systemctl and, when the unit does not come up, fails
 * with the unit's journal instead of systemctl's "Job for … failed".
 */
const SYSTEMD_FUNCTIONS = [
  `cp_quiet() {
  cp_out=$("$@" 2>&1) || { cp_rc=$?; printf '%s\\n' "$cp_out" >&2; return $cp_rc; }
}`,
  `cp_state() {
  cp_active=$(systemctl show -p ActiveState --value "$1" 2>/dev/null || true)
  cp_sub=$(systemctl show -p SubState --value "$1" 2>/dev/null || true)
}`,
  `cp_settle() {
  cp_looks=0
  cp_up=0
  while :; do
    cp_state "$1"
    case "$cp_active/$cp_sub" in
      failed/* | */auto-restart*) return 1 ;;
      active/* | inactive/*) cp_up=$((cp_up + 1)); [ "$cp_up" -lt 2 ] || return 0 ;;
      *) cp_up=0 ;;
    esac
    cp_looks=$((cp_looks + 1))
    [ "$cp_looks" -lt ${SETTLE_SECONDS * 2} ] || return 1
    sleep 0.5
  done
}`,
  JOURNAL_FUNCTION,
  `cp_systemctl() {
  cp_action=$1
  cp_state "$2"
  # a start would wait for systemd's next retry; a restart of a unit waiting for it starts at once
  if [ "$1" = start ] && [ "$cp_sub" = auto-restart ]; then cp_action=restart; fi
  # systemd's retries count against the unit's start limit: asked to start it, it must not refuse
  [ "$1" = reload ] || systemctl reset-failed "$2" >/dev/null 2>&1 || true
  if cp_out=$(systemctl "$cp_action" "$2" 2>&1) && { [ "$1" = reload ] || cp_settle "$2"; }; then return 0; fi
  [ -z "$cp_out" ] || printf '%s\\n' "$cp_out" >&2
  cp_state "$2"
  [ "$cp_sub" = "$cp_active" ] || cp_active="$cp_active ($cp_sub)"
  printf '%s did not %s: it is %s\\n' "$2" "$1" "$cp_active" >&2
  cp_journal "$2"
  exit 1
}`,
];

function control(systemd: boolean, action: 'start' | 'stop' | 'restart' | 'reload', name: string): string {
  if (!systemd) return `service ${name} ${action}`;
  return action === 'stop' ? `systemctl stop ${name}` : `cp_systemctl ${action} ${name}`;
}

export function isRunning(fact: ServiceFact): boolean {
  return fact.exists && RUNNING.has(fact.active);
}
