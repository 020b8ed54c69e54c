import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';

const UPSTREAM_HOST = 'deb.debian.org';
const ARCHIVES = new Set(['debian', 'debian-security']);
const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * Files whose content never changes under their name: packages in the pool and index files
 * addressed by hash. Everything else (InRelease, Packages, …) changes and is passed through.
 */
function isImmutable(path: string): boolean {
  return /\/pool\/.+\.(deb|udeb|dsc|tar\.\w+|diff\.gz)$/.test(path) || /\/by-hash\/SHA\d+\/[0-9a-f]+$/.test(path);
}

/** /debian/pool/... → the same path on deb.debian.org; anything else is refused. */
function upstreamPath(url: string): string | null {
  const path = normalize(decodeURIComponent(url.split('?')[0] ?? ''));
  const archive = path.split('/')[1] ?? '';
  if (!ARCHIVES.has(archive) || path.includes('..')) return null;
  return path;
}

function fetchUpstream(path: string, req: http.IncomingMessage): Promise<http.IncomingMessage> {
  const headers: http.OutgoingHttpHeaders = { 'user-agent': 'clamprovision-lab-apt-proxy' };
  for (const name of ['if-modified-since', 'if-none-match', 'range', 'if-range', 'cache-control']) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return new Promise((resolve, reject) => {
    const upstream = http.request({ host: UPSTREAM_HOST, path, method: req.method, headers, agent: upstreamAgent }, resolve);
    upstream.setTimeout(60_000, () => upstream.destroy(new Error(`timeout fetching ${path}`)));
    upstream.on('error', reject);
    upstream.end();
  });
}

function passThroughHeaders(upstream: http.IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const name of ['content-type', 'content-length', 'last-modified', 'etag', 'content-range', 'accept-ranges', 'location']) {
    const value = upstream.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

function serveFile(file: string, size: number, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('x-cache', 'HIT');
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

export function createAptProxyHandler(cacheDir: string, log: (line: string) => void) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = upstreamPath(req.url ?? '/');
    if (!path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not a Debian archive path\n');
      return;
    }
    const cacheable = isImmutable(path);
    const cached = join(cacheDir, path);
    if (cacheable) {
      try {
        const stat = statSync(cached);
        if (stat.isFile()) {
          serveFile(cached, stat.size, req, res);
          return;
        }
      } catch {
        // not cached yet
      }
    }
    try {
      const upstream = await fetchUpstream(path, req);
      const status = upstream.statusCode ?? 502;
      res.setHeader('x-cache', 'MISS');
      res.writeHead(status, passThroughHeaders(upstream));
      if (!cacheable || status !== 200 || req.method !== 'GET') {
        await pipeline(upstream, res);
        return;
      }
      // Stream to the client and into a temporary file at once; only a complete download is kept.
      mkdirSync(dirname(cached), { recursive: true });
      const tmp = `${cached}.part-${process.pid}-${Math.random().toString(36).slice(2)}`;
      const file = createWriteStream(tmp);
      const expected = Number(upstream.headers['content-length'] ?? -1);
      let received = 0;
      upstream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        file.write(chunk);
      });
      try {
        await pipeline(upstream, res).finally(() => new Promise<void>((resolve) => file.end(resolve)));
        if (expected >= 0 && received !== expected) throw new Error(`short download (${received} of ${expected} bytes)`);
        renameSync(tmp, cached);
      } finally {
        rmSync(tmp, { force: true });
      }
    } catch (err) {
      log(`apt proxy: ${path}: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end();
    }
  };
}
