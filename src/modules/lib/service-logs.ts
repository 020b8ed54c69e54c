/**
 * When a service does not start or does not answer, its own log says why — not systemctl ("Job for
 * … failed", "See systemctl status …") nor the webserver (HTTP 502). The scripts of `service`,
 * `http_check` and `clam_check` then print the log's last lines on stderr between two marker lines;
 * the engine builds the task's error from them (describeScriptFailure): systemd's boilerplate left
 * out, the last lines kept, and the cause with a hint at the end.
 */
import { failureHints } from './failure-hints.js';
import { shellQuote } from './shell.js';

export const LOG_BEGIN = 'CLAMPROVISION-LOG-BEGIN';
export const LOG_END = 'CLAMPROVISION-LOG-END';
/** log lines shown per log: a Python traceback's end and what the server said after it */
export const LOG_EXCERPT_LINES = 20;
/** lines of other failing scripts shown (their stderr's end) */
const PLAIN_LINES = 15;
export const APACHE_ERROR_LOG = '/var/log/apache2/error.log';

/** unit names and mod_wsgi process groups as the scripts quote them */
export const UNIT_NAME = /^[A-Za-z0-9@_.:\\-]+$/;
export const PROCESS_GROUP = /^[A-Za-z0-9_-]+$/;

/**
 * `cp_journal UNIT`: the unit's last journal lines. More than are shown: systemd's own lines about
 * the unit are dropped afterwards, and its restarts write many of them.
 */
export const JOURNAL_FUNCTION = `cp_journal() {
  command -v journalctl >/dev/null 2>&1 || return 0
  journalctl --sync >/dev/null 2>&1 || true
  echo "${LOG_BEGIN} $1's journal" >&2
  journalctl -q -u "$1" -n 200 --no-pager -o cat >&2 2>&1 || true
  echo '${LOG_END}' >&2
}`;

/**
 * `cp_wsgi_log GROUP`: Apache's error log lines of a mod_wsgi daemon process group. mod_wsgi names
 * the group in few lines ('GROUP', or wsgi:GROUP) but writes a failing script's traceback from the
 * daemon process, one line each with its pid: the lines of the group's running processes (named
 * "(wsgi:GROUP)" by display-name) and of the pids on lines naming it.
 */
export const WSGI_LOG_FUNCTION = `cp_wsgi_log() {
  cp_pids=$(pgrep -f "^.wsgi:$1\\\\)" 2>/dev/null | tr '\\n' ' ' || true)
  echo "${LOG_BEGIN} Apache's error log (${APACHE_ERROR_LOG}) for $1" >&2
  tail -n 5000 ${APACHE_ERROR_LOG} 2>/dev/null | awk -v group="$1" -v pids=" $cp_pids" '
    function names(text) { return index(text, "'"'"'" group "'"'"'") || index(text, "wsgi:" group ")") }
    {
      line[NR] = $0; pid[NR] = ""
      if (match($0, /\\[pid [0-9]+/)) pid[NR] = substr($0, RSTART + 5, RLENGTH - 5)
      if (names($0) && pid[NR] != "") pids = pids pid[NR] " "
    }
    END { for (i = 1; i <= NR; i++) if (names(line[i]) || (pid[i] != "" && index(pids, " " pid[i] " "))) print line[i] }
  ' >&2 || true
  echo '${LOG_END}' >&2
}`;

/**
 * `cp_journals UNIT…`: the journals of the units that are not running — of all of them when each
 * one runs (a running service may still answer 502: the cause is then elsewhere in its log).
 */
export const JOURNALS_FUNCTION = `cp_journals() {
  cp_shown=0
  for cp_unit in "$@"; do
    [ "$(systemctl show -p ActiveState --value "$cp_unit" 2>/dev/null)" != active ] || continue
    cp_journal "$cp_unit"
    cp_shown=1
  done
  [ "$cp_shown" = 1 ] || for cp_unit in "$@"; do cp_journal "$cp_unit"; done
}`;

/** The functions that `serviceLogs` calls. */
export function serviceLogFunctions(units: readonly string[], groups: readonly string[]): string[] {
  return [...(units.length > 0 ? [JOURNAL_FUNCTION, JOURNALS_FUNCTION] : []), ...(groups.length > 0 ? [WSGI_LOG_FUNCTION] : [])];
}

/** Prints the logs of these services (systemd units, mod_wsgi process groups) on stderr. */
export function serviceLogs(units: readonly string[], groups: readonly string[]): string {
  const calls = [
    ...(units.length > 0 ? [`cp_journals ${units.map(shellQuote).join(' ')}`] : []),
    ...groups.map((group) => `cp_wsgi_log ${shellQuote(group)}`),
  ];
  return calls.length > 0 ? calls.join('\n') : ':';
}

// --- reading a failed script's output

export interface ScriptOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

interface LogBlock {
  title: string;
  lines: string[];
}

/** stderr split into its own lines and the logs the script printed between markers. */
export function splitLogs(stderr: string): { parts: Array<string | LogBlock>; logs: LogBlock[] } {
  const parts: Array<string | LogBlock> = [];
  const logs: LogBlock[] = [];
  let current: LogBlock | undefined;
  for (const line of stderr.replace(/\r/g, '').split('\n')) {
    if (current === undefined && line.startsWith(`${LOG_BEGIN} `)) {
      current = { title: line.slice(LOG_BEGIN.length + 1).trim(), lines: [] };
      parts.push(current);
      logs.push(current);
    } else if (current !== undefined && line === LOG_END) {
      current = undefined;
    } else if (current !== undefined) {
      current.lines.push(line);
    } else {
      parts.push(line);
    }
  }
  return { parts, logs };
}

/** What systemctl prints around a failure, pointing at the journal that follows instead. */
const SYSTEMCTL_NOISE = [
  /^Job for \S+ (failed|canceled)\b/,
  /^See "systemctl status /,
  /^Created symlink /,
  /^Removed "?\//,
  /^Synchronizing state of \S+ with SysV service script/,
  /^Executing: \S*systemd-sysv-install /,
];

/** systemd's own lines about a unit, as `journalctl -o cat` shows them among the unit's. */
const JOURNAL_NOISE = [
  /^(Starting|Stopping|Reloading) .*\.\.\.$/,
  /^(Started|Stopped|Reloaded) .*\.$/,
  /^Failed to (start|stop|reload) .*\.$/,
  /^\S+\.(service|socket): (Main|Control) process exited, code=exited, status=/,
  /^\S+\.(service|socket): Failed with result '/,
  /^\S+\.(service|socket): Scheduled restart job, restart counter is at \d+\.$/,
  /^\S+\.(service|socket): Consumed .* CPU time\.$/,
  /^\S+\.(service|socket): Deactivated successfully\.$/,
  /^\S+\.(service|socket): Start request repeated too quickly\.$/,
  /^\S+\.(service|socket): (Unit entered failed state|Succeeded)\.$/,
  /^-- (No entries|Boot [0-9a-f]+|Journal begins) /,
  ...SYSTEMCTL_NOISE,
];

/** `[Tue Jun 03 …] [wsgi:error] [pid 12:tid 34] [remote 127.0.0.1:5678] ` before each line of Apache's error log */
const APACHE_PREFIX = /^\[[^\]]*\] \[[^\]]*\] \[pid \d+(?::tid \d+)?\](?: \[(?:remote|client) [^\]]*\])? ?/;

/**
 * The lines of a log worth showing: without systemd's lines about starting and stopping the unit
 * and Apache's time and pid prefixes, the last `count` of them.
 */
export function logExcerpt(lines: readonly string[], count = LOG_EXCERPT_LINES): string[] {
  const kept = lines.map((line) => line.replace(APACHE_PREFIX, '').trimEnd()).filter((line) => line.trim() !== '' && !JOURNAL_NOISE.some((noise) => noise.test(line)));
  return kept.slice(-count);
}

function lastLines(text: string, count = PLAIN_LINES): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

/**
 * The error of a task whose script failed: its stderr's last lines, or — when it printed a service's
 * log — its own lines without systemctl's pointers, each log's last lines indented below its title,
 * then the cause and a hint drawn from those logs.
 */
export function describeScriptFailure(outcome: ScriptOutcome): string {
  const { parts, logs } = splitLogs(outcome.stderr);
  if (logs.length === 0) return lastLines(outcome.stderr) || lastLines(outcome.stdout) || `exit status ${outcome.code}`;
  const out: string[] = [];
  const shown: string[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      if (part.trim() !== '' && !SYSTEMCTL_NOISE.some((noise) => noise.test(part))) out.push(part.trimEnd());
      continue;
    }
    const excerpt = logExcerpt(part.lines);
    shown.push(...excerpt);
    out.push(excerpt.length > 0 ? `${part.title}, last lines:` : `${part.title}: empty`);
    out.push(...excerpt.map((line) => `  ${line}`));
  }
  return [...out, ...failureHints(shown)].join('\n');
}
