/**
 * Runs a module's script here with stand-ins for what it asks the host: shell functions named
 * systemctl, journalctl, pgrep, tail (of Apache's error log) and sleep, defined before the script,
 * so they win over the commands on PATH. What systemctl was asked is recorded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APACHE_ERROR_LOG } from '../../../src/modules/lib/service-logs.js';
import { run } from '../clam/fake-clam.js';
import { tempTree } from '../input/temp-files.js';
import { runScript } from './host-facts.js';

export interface FakeHost {
  /**
   * "ActiveState/SubState" that the service module sees at each of its looks (the first one before
   * it acts), the last one repeated
   */
  states?: string[];
  /** ActiveState per unit when asked without SubState (the health checks); "active" unless given */
  active?: Record<string, string>;
  /** systemctl actions (start, restart, reload, enable, …) that fail */
  failing?: string[];
  /** what journalctl prints per unit */
  journals?: Record<string, string>;
  apacheErrorLog?: string;
  /** the pids of a mod_wsgi process group's daemons */
  daemonPids?: Record<string, number[]>;
}

const PRELUDE = `
systemctl() {
  echo "$*" >> "$FAKE/calls"
  case "$1" in
    show)
      if [ -f "$FAKE/states" ]; then
        look=$(cat "$FAKE/looks")
        state=$(sed -n "$((look + 1))p" "$FAKE/states")
        [ -n "$state" ] || state=$(tail -n 1 "$FAKE/states")
        case "$3" in
          ActiveState) echo "\${state%%/*}" ;;
          SubState) echo "\${state#*/}"; echo $((look + 1)) > "$FAKE/looks" ;;
        esac
      elif [ "$3" = ActiveState ]; then
        cat "$FAKE/active-$5" 2>/dev/null || echo active
      fi ;;
    enable) echo "Created symlink /etc/systemd/system/multi-user.target.wants/$2.service → /etc/systemd/system/$2.service." >&2 ;;
    disable) echo "Removed \\"/etc/systemd/system/multi-user.target.wants/$2.service\\"." >&2 ;;
  esac
  if grep -qx "$1" "$FAKE/failing" 2>/dev/null; then
    echo "Job for $2.service failed because the control process exited with error code." >&2
    echo "See \\"systemctl status $2.service\\" and \\"journalctl -xeu $2.service\\" for details." >&2
    return 1
  fi
}
journalctl() {
  [ "$1" != --sync ] || return 0
  echo "$*" >> "$FAKE/journalctl"
  cat "$FAKE/journal-$3" 2>/dev/null || true
}
pgrep() {
  for pids in "$FAKE"/pids-*; do
    [ -f "$pids" ] || continue
    case "$2" in "^.wsgi:\${pids##*/pids-}\\)") cat "$pids" ;; esac
  done
}
tail() {
  if [ "$3" = ${APACHE_ERROR_LOG} ]; then cat "$FAKE/apache-error.log"; else command tail "$@"; fi
}
sleep() { :; }
`;

export interface FakeRun {
  code: number;
  stdout: string;
  stderr: string;
  /** systemctl's arguments, one call a line */
  calls: string[];
  /** journalctl's arguments, one call a line */
  journalctl: string[];
}

function fakeHost(host: FakeHost): { script: (body: string) => string; collect: (result: Omit<FakeRun, 'calls' | 'journalctl'>) => FakeRun } {
  const dir = tempTree({});
  const write = (name: string, content: string) => writeFileSync(join(dir, name), content);
  write('calls', '');
  write('journalctl', '');
  write('looks', '0');
  if (host.states) write('states', host.states.join('\n') + '\n');
  for (const [unit, state] of Object.entries(host.active ?? {})) write(`active-${unit}`, `${state}\n`);
  write('failing', (host.failing ?? []).join('\n') + '\n');
  for (const [unit, journal] of Object.entries(host.journals ?? {})) write(`journal-${unit}`, journal);
  write('apache-error.log', host.apacheErrorLog ?? '');
  for (const [group, pids] of Object.entries(host.daemonPids ?? {})) write(`pids-${group}`, pids.map((pid) => `${pid}\n`).join(''));
  const lines = (name: string) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean);
  return {
    script: (body) => `FAKE='${dir}'\n${PRELUDE}\n${body}`,
    collect: (result) => ({ ...result, calls: lines('calls'), journalctl: lines('journalctl') }),
  };
}

export function runOnFakeHost(script: string, host: FakeHost = {}): FakeRun {
  const fake = fakeHost(host);
  return fake.collect(runScript(fake.script(script)));
}

/** The same without blocking the event loop, for scripts that ask a server of the test. */
export async function runOnFakeHostAsync(script: string, host: FakeHost = {}): Promise<FakeRun> {
  const fake = fakeHost(host);
  return fake.collect(await run('sh', ['-s'], { input: fake.script(script) }));
}

/** What uWSGI writes to the journal when the WSGI script fails to import, with systemd's lines around it. */
export function uwsgiImportFailure(unit: string, exception: string[]): string {
  return [
    `Starting ${unit}.service - CLAM webservice (uWSGI)...`,
    '[uWSGI] getting INI configuration from /etc/clam/shout/uwsgi.ini',
    '*** Starting uWSGI 2.0.28 (64bit) on [Tue Dec  1 05:00:00 2026] ***',
    'Traceback (most recent call last):',
    '  File "/etc/clam/shout/app.wsgi", line 33, in <module>',
    '    import clam.clamservice',
    '  File "/opt/clam/shout/venv/lib/python3.11/site-packages/clam/clamservice.py", line 40, in <module>',
    '    from lxml import etree',
    ...exception,
    "unable to load app 0 (mountpoint='/shout') (callable not found or import error)",
    '*** no app loaded. GAME OVER ***',
    `${unit}.service: Main process exited, code=exited, status=22/n/a`,
    `${unit}.service: Failed with result 'exit-code'.`,
    `Failed to start ${unit}.service - CLAM webservice (uWSGI).`,
    '',
  ].join('\n');
}
