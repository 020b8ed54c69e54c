/**
 * The lab's long-running process, started detached by `up` and stopped by `down`: the caching
 * proxy for Debian's archive, the Python package index, and the ACME server (pebble, a child
 * process in this one's process group) with the DNS its validation asks, all on the bridge address.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createAptProxyHandler } from './apt-proxy.js';
import { startChallengeDns } from './challenge-dns.js';
import { CHALLENGE_DNS_PORT, pebbleCommand } from './pebble.js';
import { createPypiHandler } from './pypi-index.js';
import { ADDRESSES_FILE, APT_CACHE_DIR, APT_PROXY_PORT, BRIDGE_ADDRESS, PYPI_DIR, PYPI_PORT, readJson, SUBNET_PREFIX } from './state.js';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

function listen(name: string, port: number, handler: Handler): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.on('finish', () => log(`${name} ${req.socket.remoteAddress} ${req.method} ${req.url} ${res.statusCode} ${res.getHeader('x-cache') ?? ''}`));
    // One bad request must never take the lab's servers down.
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        log(`${name} ${req.url}: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, BRIDGE_ADDRESS, () => resolve(server));
  });
}

const aptHandler = createAptProxyHandler(APT_CACHE_DIR, log);
const servers = await Promise.all([
  listen('apt', APT_PROXY_PORT, aptHandler),
  listen('pypi', PYPI_PORT, createPypiHandler(PYPI_DIR)),
]);
// the lab hosts by name, as addressFor() gave them their addresses
const labHostAddresses = () =>
  new Map(Object.entries(readJson<Record<string, number>>(ADDRESSES_FILE, {})).map(([name, octet]) => [name.toLowerCase(), `${SUBNET_PREFIX}.${octet}`]));
const dns = await startChallengeDns(BRIDGE_ADDRESS, CHALLENGE_DNS_PORT, labHostAddresses, log);
const pebbleSpec = pebbleCommand();
const pebble = spawn(pebbleSpec.command, pebbleSpec.args, { env: pebbleSpec.env, stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
// the apt proxy and the index go on serving without it; the next `up` finds its port closed and starts this process anew
pebble.on('error', (error) => log(`pebble did not start: ${error.message}`));
pebble.on('exit', (code, signal) => {
  if (!stopping) log(`pebble ended (exit ${code ?? signal})`);
});
log(`listening: apt proxy http://${BRIDGE_ADDRESS}:${APT_PROXY_PORT}/debian, index http://${BRIDGE_ADDRESS}:${PYPI_PORT}/simple/`);

const shutdown = () => {
  log('stopping');
  stopping = true;
  pebble.kill('SIGTERM');
  dns.close();
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  setTimeout(() => process.exit(0), 500).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
