import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey, FactsError } from '../protocol.js';

/** the processes listening on these TCP ports (any address, IPv4 or IPv6) */
export interface ListenersRequest {
  ports: number[];
}

/** A process holding a listening TCP socket, as the host's /proc shows it. */
export interface ListeningProcess {
  pid: number;
  ppid: number;
  /** the process name (/proc/PID/comm) */
  comm: string;
  /** the arguments (/proc/PID/cmdline); never printed whole: they may hold a secret */
  argv: string[];
  user: string;
  /**
   * the systemd unit whose control group holds the process (e.g. ssh.service, session-3.scope); for
   * systemd itself (PID 1), the socket unit listening on the port (e.g. clam-app.socket)
   */
  unit?: string;
  /** that unit's MainPID (0 when it has none) */
  unitMainPid?: number;
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    listeners: ListenersRequest;
  }
  interface HostFacts {
    /** asked port -> the processes listening on it ([] when none) */
    listeners: Map<number, ListeningProcess[]>;
  }
}

/**
 * The processes listening on given TCP ports, read from /proc (iproute2's ss is not on every
 * minimal system): /proc/net/tcp{,6} give the listening sockets' inodes, /proc/PID/fd which
 * processes hold them. Per process: parent, user, name, arguments, the systemd unit of its control
 * group and that unit's main PID.
 *
 * Output: `@@listeners KEY b:LINES`, a line per (port, process):
 *   PORT PID PPID MAINPID x:USER x:COMM x:UNIT x:ARGV   (hex; ARGV: the arguments, each ended by NUL)
 *
 * One awk does the per-process work (a process of its own per value made this fact half of a no-op
 * run's facts time): one `getent passwd` for the users, one `systemctl show` for the units' main PIDs.
 */
const SHELL = String.raw`cp_listeners() {
  cp_socks=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v want=" $2 " '
    function hex(s,  i, n) { n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", toupper(substr(s, i, 1))) - 1; return n }
    $4 == "0A" { n = split($2, a, ":"); port = hex(a[n]); if (index(want, " " port " ")) print $10, port }')
  cp_rows=''
  if [ -n "$cp_socks" ]; then
    cp_rows=$(find /proc/[0-9]*/fd -maxdepth 1 -lname 'socket:\[*' -printf '%h %l\n' 2>/dev/null | cp_socks="$cp_socks" awk '
      function hexof(s,  out, i) { out = ""; for (i = 1; i <= length(s); i++) out = out sprintf("%02x", ord[substr(s, i, 1)]); return out }
      BEGIN {
        n = split(ENVIRON["cp_socks"], rows, "\n"); for (i = 1; i <= n; i++) { split(rows[i], f, " "); port[f[1]] = f[2] }
        for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
      }
      { inode = $2; gsub(/[^0-9]/, "", inode)
        if (inode in port) { split($1, p, "/"); key = port[inode] " " p[3]; if (!(key in seen)) { seen[key] = 1; keys[++count] = key } } }
      END {
        for (k = 1; k <= count; k++) {
          split(keys[k], kp, " "); pid = kp[2]
          if (pid in ppid) continue
          ppid[pid] = 0; uid[pid] = ""; unit[pid] = ""
          file = "/proc/" pid "/status"
          while ((getline line < file) > 0) { alive[pid] = 1; split(line, f, /[ \t]+/); if (f[1] == "PPid:") ppid[pid] = f[2]; else if (f[1] == "Uid:") uid[pid] = f[2] }
          close(file)
          # cgroup v2 (0::/system.slice/x.service) or v1 name=systemd hierarchy
          file = "/proc/" pid "/cgroup"
          while ((getline line < file) > 0) {
            if (unit[pid] == "" && (line ~ /^0::/ || line ~ /^[0-9]*:name=systemd:/)) { u = line; sub(/.*\//, "", u); unit[pid] = u }
          }
          close(file)
          if (uid[pid] != "") uids[uid[pid]] = 1
          if (unit[pid] ~ /^[A-Za-z0-9:_.@\\-]+\.service$/ && !(unit[pid] in mainpid)) { mainpid[unit[pid]] = 0; services[++nservices] = unit[pid] }
          if (pid == 1) pid1 = 1
        }
        cmd = "getent passwd"; for (u in uids) cmd = cmd " " u
        if (cmd != "getent passwd") { while ((cmd | getline line) > 0) { split(line, f, ":"); if (!(f[3] in user)) user[f[3]] = f[1] } close(cmd) }
        if (nservices) {
          # one systemctl for every unit: a value a unit, in the order asked, separated by empty lines
          cmd = "systemctl show -p MainPID --value --"; for (i = 1; i <= nservices; i++) cmd = cmd " '\''" services[i] "'\''"
          i = 1; while ((cmd | getline line) > 0) { if (line == "") i++; else if (i <= nservices) mainpid[services[i]] = line + 0 } close(cmd)
        }
        if (pid1) {
          # systemd itself holds the sockets of socket units: the unit listening on the port (only the
          # listening ones: a stopped unit still loaded for the same port would be named first otherwise)
          cmd = "systemctl list-sockets --no-legend --no-pager"
          while ((cmd | getline line) > 0) { split(line, f, /[ \t]+/); n = split(f[1], a, ":"); if (f[2] ~ /\.socket$/ && !(a[n] in socketunit)) socketunit[a[n]] = f[2] }
          close(cmd)
        }
        RS = "\0"
        for (k = 1; k <= count; k++) {
          split(keys[k], kp, " "); lport = kp[1]; pid = kp[2]
          # a process gone since the walk of /proc
          if (!(pid in alive)) continue
          # RS is NUL from here: comm (which has none) is one record, cmdline a record per argument
          comm = ""; file = "/proc/" pid "/comm"; getline comm < file; close(file)
          sub(/\n$/, "", comm)
          argv = ""; file = "/proc/" pid "/cmdline"
          while ((getline line < file) > 0) argv = argv hexof(line) "00"
          close(file)
          u = unit[pid]; if (pid == 1 && (lport in socketunit)) u = socketunit[lport]
          name = (uid[pid] in user) ? user[uid[pid]] : uid[pid]
          printf "%s %s %s %s x:%s x:%s x:%s x:%s\n", lport, pid, ppid[pid], (u in mainpid) ? mainpid[u] : 0, hexof(name), hexof(comm), hexof(u), argv
        }
      }')
  fi
  echo "@@listeners $1 $(printf '%s' "$cp_rows" | cp_b64)"
}`;


function portsKey(ports: readonly number[]): string {
  return [...ports].sort((a, b) => a - b).join(' ');
}

function parseRow(row: string): [number, ListeningProcess] {
  const [port, pid, ppid, mainPid, user, comm, unit, argv] = row.split(' ');
  if (argv === undefined) throw new FactsError(`facts output: a listener row with too few fields (${row})`);
  const process: ListeningProcess = {
    pid: Number(pid),
    ppid: Number(ppid),
    comm: decodeText(comm).trim(),
    argv: decodeText(argv).split('\0').filter((argument) => argument !== ''),
    user: decodeText(user),
  };
  const unitName = decodeText(unit).trim();
  if (unitName) {
    process.unit = unitName;
    process.unitMainPid = Number(mainPid);
  }
  return [Number(port), process];
}

export const listenersKind: FactKind<'listeners'> = {
  name: 'listeners',
  shell: SHELL,
  // one /proc walk for every port any task asks about
  key: () => 'listeners',
  combine: (kept, request) => ({ kind: 'listeners', ports: [...new Set([...(kept?.ports ?? []), ...request.ports])].sort((a, b) => a - b) }),
  asksNothing: (request) => request.ports.length === 0,
  command: (request) => [`cp_listeners ${encodeKey(portsKey(request.ports))} ${shellQuoteWords(request.ports)}`],
  records: {
    listeners(fields, facts) {
      for (const port of decodeKey(fields[0]).split(' ').filter(Boolean)) facts.listeners.set(Number(port), []);
      for (const row of decodeText(fields[1]).split('\n').filter(Boolean)) {
        const [port, process] = parseRow(row);
        facts.listeners.get(port)?.push(process);
      }
    },
  },
  empty: () => ({ listeners: new Map() }),
  missing: (request, facts) => request.ports.filter((port) => !facts.listeners.has(port)).map((port) => `listeners on port ${port}`),
};

/** The ports as one shell word ("80 8080"): numbers only, so no quoting is needed inside. */
function shellQuoteWords(ports: readonly number[]): string {
  return `'${ports.map((port) => String(Math.trunc(port))).join(' ')}'`;
}
