import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { say, sleep } from './exec.js';
import { PEBBLE_MANAGEMENT_PORT, PEBBLE_PORT, preparePebble } from './pebble.js';
import { APT_PROXY_PORT, BRIDGE_ADDRESS, PYPI_PORT, SERVERS_LOG, SERVERS_PIDFILE } from './state.js';

const SERVER_ENTRY = fileURLToPath(new URL('./server-process.ts', import.meta.url));

function serversPid(): number | null {
  try {
    const pid = Number(readFileSync(SERVERS_PIDFILE, 'utf8').trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // any checkout's server will do: they all serve the same state and cache directories
    return cmdline.includes('/test/lab/server-process.ts') && !/\) Z /.test(stat) ? pid : null;
  } catch {
    return null;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: BRIDGE_ADDRESS, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const SERVER_PORTS = [APT_PROXY_PORT, PYPI_PORT, PEBBLE_PORT, PEBBLE_MANAGEMENT_PORT];

async function allPortsOpen(): Promise<boolean> {
  for (const port of SERVER_PORTS) if (!(await portOpen(port))) return false;
  return true;
}

/**
 * Starts the apt proxy + Python index + ACME server process (detached, outliving `up`) unless it
 * runs already; one that lacks a server (started by an older checkout) is started anew.
 */
export async function ensureServers(): Promise<void> {
  if (serversPid() !== null) {
    if (await allPortsOpen()) return;
    say('the lab servers run without all their ports open: starting them anew');
    await stopServers();
  }
  await preparePebble();
  say(`starting the apt proxy (:${APT_PROXY_PORT}), Python index (:${PYPI_PORT}) and ACME server (:${PEBBLE_PORT}) on ${BRIDGE_ADDRESS}`);
  const log = openSync(SERVERS_LOG, 'w');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), SERVER_ENTRY], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  writeFileSync(SERVERS_PIDFILE, `${child.pid}\n`);
  const deadline = Date.now() + 20_000;
  while (!(await allPortsOpen())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = readFileSync(SERVERS_LOG, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`the lab's apt proxy / Python index / ACME server did not start; ${SERVERS_LOG}:\n${tail}`);
    }
    await sleep(100);
  }
}

export async function stopServers(): Promise<void> {
  const pid = serversPid();
  if (pid !== null) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && serversPid() !== null; i++) await sleep(100);
    // its whole process group: pebble too
    if (serversPid() !== null) process.kill(-pid, 'SIGKILL');
  }
  rmSync(SERVERS_PIDFILE, { force: true });
}
