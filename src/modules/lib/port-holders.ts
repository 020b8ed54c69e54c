import type { ListeningProcess } from '../../facts/kinds/listeners.js';

/** What stops a program that holds a port: its systemd unit, or a signal to its first process. */
export type PortHolder =
  | { stop: 'unit'; unit: string; root: ListeningProcess; pids: number[] }
  | { stop: 'signal'; root: ListeningProcess; pids: number[] };

/**
 * The programs among PROCESSES (all holding one port): a process whose parent also holds the port
 * belongs to its parent's program (uWSGI's workers share their master's socket). A program is
 * stopped through its unit only when it is that unit's main process: a uWSGI started by hand from
 * an SSH login may sit in ssh.service's group, and stopping that unit would cut the connection.
 * A port held by systemd itself (PID 1) is a socket unit's: that unit is stopped, never PID 1.
 */
export function portHolders(processes: readonly ListeningProcess[], ownerUnits: readonly string[]): PortHolder[] {
  const foreign = processes.filter((process) => !(process.unit && ownerUnits.includes(process.unit)));
  const pids = new Set(foreign.map((process) => process.pid));
  const roots = foreign.filter((process) => !pids.has(process.ppid));
  const byPid = new Map(foreign.map((process) => [process.pid, process]));
  const rootOf = (process: ListeningProcess): number => {
    let current = process;
    for (let parent = byPid.get(current.ppid); parent && parent !== current; parent = byPid.get(current.ppid)) current = parent;
    return current.pid;
  };
  return roots
    .sort((a, b) => a.pid - b.pid)
    .map((root) => {
      const members = foreign.filter((process) => rootOf(process) === root.pid).map((process) => process.pid).sort((a, b) => a - b);
      const ownUnit = (root.unit?.endsWith('.service') && root.unitMainPid === root.pid) || (root.unit?.endsWith('.socket') && root.pid === 1);
      return ownUnit ? { stop: 'unit', unit: root.unit!, root, pids: members } : { stop: 'signal', root, pids: members };
    });
}

/** Configuration-file arguments are what tells one uWSGI from another; other arguments may be secrets. */
const CONFIG_ARGUMENT = /\.(ini|ya?ml|json|xml|wsgi|py|sh)$/;

/** "uwsgi (pid 812, user clam, /home/clam/venv/bin/uwsgi /home/clam/shout.ini)" */
export function describeProcess(process: ListeningProcess): string {
  const [program, ...rest] = process.argv;
  const shown = [program ?? process.comm, ...rest.filter((argument) => argument.startsWith('/') && CONFIG_ARGUMENT.test(argument))];
  return `${process.comm} (pid ${process.pid}, user ${process.user}, ${shown.join(' ')})`;
}

/**
 * uWSGI's master takes SIGTERM as "reload" (uWSGI 2.0) and SIGINT/SIGQUIT as "shut down"; other
 * programs stop on SIGTERM.
 */
export function stopSignal(process: ListeningProcess): 'INT' | 'TERM' {
  return process.comm.startsWith('uwsgi') ? 'INT' : 'TERM';
}
