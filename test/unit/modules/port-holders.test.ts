import test from 'ava';
import { describeProcess, portHolders, stopSignal } from '../../../src/modules/lib/port-holders.js';
import type { ListeningProcess } from '../../../src/facts/kinds/listeners.js';

const uwsgi = (pid: number, ppid: number, extra: Partial<ListeningProcess> = {}): ListeningProcess => ({
  pid,
  ppid,
  comm: 'uwsgi',
  argv: ['/home/clam/env/bin/uwsgi', '--ini', '/home/clam/shout/shout.ini', '--set-placeholder', 'password=hunter2'],
  user: 'clam',
  unit: 'ssh.service',
  unitMainPid: 90,
  ...extra,
});

test('a uWSGI started by hand from an SSH login is one program (master and workers), stopped by signal, never through ssh.service', (t) => {
  const holders = portHolders([uwsgi(301, 300), uwsgi(302, 301), uwsgi(303, 301)], ['clam-shout.service']);
  t.is(holders.length, 1);
  t.like(holders[0], { stop: 'signal', root: { pid: 301 }, pids: [301, 302, 303] });
  t.is(stopSignal(holders[0]!.root), 'INT');
});

test("a program that is its unit's main process is stopped through the unit", (t) => {
  const holders = portHolders([uwsgi(500, 1, { unit: 'shout.service', unitMainPid: 500 }), uwsgi(501, 500, { unit: 'shout.service', unitMainPid: 500 })], []);
  t.deepEqual(
    holders.map((holder) => ({ stop: holder.stop, unit: holder.stop === 'unit' ? holder.unit : undefined, pids: holder.pids })),
    [{ stop: 'unit', unit: 'shout.service', pids: [500, 501] }],
  );
});

test("the owner's own processes are not holders; two unrelated programs are two holders", (t) => {
  const ours = uwsgi(700, 1, { unit: 'clam-shout.service', unitMainPid: 700 });
  const python: ListeningProcess = { pid: 800, ppid: 1, comm: 'python3', argv: ['python3', '-m', 'http.server', '8080'], user: 'root', unit: 'cron.service', unitMainPid: 50 };
  const holders = portHolders([ours, uwsgi(402, 1), python], ['clam-shout.service']);
  t.deepEqual(holders.map((holder) => [holder.stop, holder.root.pid]), [['signal', 402], ['signal', 800]]);
  t.is(stopSignal(python), 'TERM');
  t.deepEqual(portHolders([ours], ['clam-shout.service']), []);
});

test('a process is described by its program and configuration files, never its other arguments', (t) => {
  const text = describeProcess(uwsgi(301, 300));
  t.is(text, 'uwsgi (pid 301, user clam, /home/clam/env/bin/uwsgi /home/clam/shout/shout.ini)');
  t.false(text.includes('hunter2'));
});

/** systemd (PID 1) holding a port for a socket unit, as the listeners fact reports it */
const systemdSocket = (unit: string): ListeningProcess => ({ pid: 1, ppid: 0, comm: 'systemd', argv: ['/sbin/init'], user: 'root', unit, unitMainPid: 0 });

test("issue 15: the service's own socket unit (held by PID 1) and the uWSGI it started are not holders of the uWSGI port", (t) => {
  const master = uwsgi(900, 1, { unit: 'clam-shout.service', unitMainPid: 900 });
  const worker = uwsgi(901, 900, { unit: 'clam-shout.service', unitMainPid: 900 });
  t.deepEqual(portHolders([systemdSocket('clam-shout.socket'), master, worker], ['clam-shout.service', 'clam-shout.socket']), []);
});

test("issue 15: another socket unit on the port is stopped through that unit, never by a signal to PID 1", (t) => {
  const holders = portHolders([systemdSocket('uwsgi-app.socket')], ['clam-shout.service', 'clam-shout.socket']);
  t.deepEqual(
    holders.map((holder) => ({ stop: holder.stop, unit: holder.stop === 'unit' ? holder.unit : undefined })),
    [{ stop: 'unit', unit: 'uwsgi-app.socket' }],
  );
});
