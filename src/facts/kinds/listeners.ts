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
 *   PORT PID PPID MAINPID b:USER b:COMM b:UNIT b:ARGV   (ARGV: the arguments separated by NUL)
 */
const SHELL = String.raw`cp_listeners() {
  cp_socks=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v want=" $2 " '
    function hex(s,  i, n) { n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", toupper(substr(s, i, 1))) - 1; return n }
    $4 == "0A" { n = split($2, a, ":"); port = hex(a[n]); if (index(want, " " port " ")) print $10, port }')
  cp_rows=''
  if [ -n "$cp_socks" ]; then
    cp_rows=$(find /proc/[0-9]*/fd -maxdepth 1 -lname 'socket:\[*' -printf '%h %l\n' 2>/dev/null | cp_socks="$cp_socks" awk '
      BEGIN { n = split(ENVIRON["cp_socks"], rows, "\n"); for (i = 1; i <= n; i++) { split(rows[i], f, " "); port[f[1]] = f[2] } }
      { inode = $2; gsub(/[^0-9]/, "", inode); if (inode in port) { split($1, p, "/"); print port[inode], p[3] } }' | sort -u |
      while read -r cp_port cp_pid; do
        [ -r "/proc/$cp_pid/status" ] || continue
        cp_ppid=$(awk '$1 == "PPid:" { print $2 }' "/proc/$cp_pid/status")
        [ -n "$cp_ppid" ] || cp_ppid=0
        cp_uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$cp_pid/status")
        cp_user=$(getent passwd "$cp_uid" | cut -d: -f1)
        [ -n "$cp_user" ] || cp_user=$cp_uid
        # cgroup v2 (0::/system.slice/x.service) or v1's name=systemd hierarchy
        cp_unit=$(sed -n -e 's|^0::.*/||p' -e 's|^[0-9]*:name=systemd:.*/||p' "/proc/$cp_pid/cgroup" 2>/dev/null | head -n 1)
        cp_main=0
        case "$cp_unit" in *.service) cp_main=$(systemctl show -p MainPID --value -- "$cp_unit" 2>/dev/null) ;; esac
        # systemd itself holds the sockets of socket units: the unit listening on the port. Only the
        # listening ones: with --all, a stopped unit still loaded for the same port (a service removed
        # from the inventory) could be named first.
        if [ "$cp_pid" = 1 ]; then
          cp_socket_unit=$(systemctl list-sockets --no-legend --no-pager 2>/dev/null |
            awk -v port="$cp_port" '{ n = split($1, a, ":"); if (a[n] == port && $2 ~ /\.socket$/) { print $2; exit } }')
          [ -z "$cp_socket_unit" ] || cp_unit=$cp_socket_unit
        fi
        [ -n "$cp_main" ] || cp_main=0
        printf '%s %s %s %s %s %s %s %s\n' "$cp_port" "$cp_pid" "$cp_ppid" "$cp_main" \
          "$(printf '%s' "$cp_user" | cp_b64)" "$(cp_b64 < "/proc/$cp_pid/comm")" \
          "$(printf '%s' "$cp_unit" | cp_b64)" "$(cp_b64 < "/proc/$cp_pid/cmdline")"
      done)
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
