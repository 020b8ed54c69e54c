/**
 * The lab's long-running process, started detached by `up` and stopped by `down`: the caching
 * proxy for Debian's archive and the Python package index, both on the bridge address.
 */
import http from 'node:http';
import { createAptProxyHandler } from './apt-proxy.js';
import { createPypiHandler } from './pypi-index.js';
import { APT_CACHE_DIR, APT_PROXY_PORT, BRIDGE_ADDRESS, PYPI_DIR, PYPI_PORT } from './state.js';

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
log(`listening: apt proxy http://${BRIDGE_ADDRESS}:${APT_PROXY_PORT}/debian, index http://${BRIDGE_ADDRESS}:${PYPI_PORT}/simple/`);

const shutdown = () => {
  log('stopping');
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  setTimeout(() => process.exit(0), 500).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
