import { createHash } from 'node:crypto';
import { createReadStream, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { run, runOk, say } from './exec.js';
import { PYPI_DIR, wheelhouseDir } from './state.js';

/**
 * Bump when the set of served files changes, so that an old cache is filled again. (A changed
 * wheelhouse refills it too: the stamp holds the digest of its SHA256SUMS.)
 */
const PYPI_RECIPE = 'clamprovision-lab pypi v3 (with the CLAM wheelhouse)';
const STAMP = '.clamprovision-lab-pypi';
const SOURCE_SUITES = ['bookworm', 'trixie'];
/**
 * Debian packages that carry wheels in /usr/share/python-wheels (pip's build isolation needs
 * setuptools; bookworm's pip 23.0 also asks for wheel). trixie's wheel 0.46 needs `packaging`,
 * which the index does not serve, so wheel comes from bookworm only.
 */
const WHEEL_PACKAGES: Record<string, string[]> = {
  bookworm: ['python3-setuptools-whl', 'python3-wheel-whl', 'python3-pip-whl'],
  trixie: ['python3-setuptools-whl', 'python3-pip-whl'],
};

function stampText(wheelhouseDigest: string): string {
  return `${PYPI_RECIPE}\nwheelhouse ${wheelhouseDigest}\n`;
}

export function pypiReady(): boolean {
  try {
    return readFileSync(join(PYPI_DIR, STAMP), 'utf8') === stampText(readWheelhouseSums(wheelhouseDir()).digest);
  } catch {
    return false;
  }
}

const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** `HEX  NAME` lines as sha256sum(1) writes them (`HEX *NAME` in binary mode); `source` names the file in errors. */
export function parseSha256Sums(text: string, source: string): Array<{ name: string; sha256: string }> {
  const entries: Array<{ name: string; sha256: string }> = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!match?.[1] || !match[2] || match[2].includes('/')) {
      throw new Error(`${source}:${index + 1}: not a "SHA256  FILE" line: ${line}`);
    }
    entries.push({ name: match[2], sha256: match[1].toLowerCase() });
  });
  return entries;
}

export interface Wheelhouse {
  dir: string;
  /** sha256 of its SHA256SUMS: changes whenever a file is added, removed or replaced */
  digest: string;
  files: Array<{ name: string; path: string; sha256: string }>;
}

function readWheelhouseSums(dir: string): Wheelhouse {
  const sumsPath = join(dir, 'SHA256SUMS');
  let text: string;
  try {
    text = readFileSync(sumsPath, 'utf8');
  } catch (err) {
    throw new Error(`the wheelhouse ${dir} has no readable SHA256SUMS: ${(err as Error).message}`);
  }
  const files = parseSha256Sums(text, sumsPath).map((e) => ({ ...e, path: join(dir, e.name) }));
  return { dir, digest: sha256Hex(text), files };
}

/**
 * The wheelhouse's files, each checked against SHA256SUMS. Throws naming the file that is missing,
 * differs from its sum, or is a distribution that SHA256SUMS does not list.
 */
export function verifiedWheelhouse(dir: string = wheelhouseDir()): Wheelhouse {
  const wheelhouse = readWheelhouseSums(dir);
  for (const file of wheelhouse.files) {
    if (!existsSync(file.path)) throw new Error(`wheelhouse file ${file.path} is listed in SHA256SUMS but missing`);
    const actual = sha256Hex(readFileSync(file.path));
    if (actual !== file.sha256) {
      throw new Error(`wheelhouse file ${file.path} does not match SHA256SUMS: sha256 ${actual}, expected ${file.sha256}`);
    }
  }
  const listed = new Set(wheelhouse.files.map((f) => f.name));
  const unlisted = readdirSync(dir).find((name) => projectOfFile(name) !== null && !listed.has(name));
  if (unlisted) throw new Error(`wheelhouse file ${join(dir, unlisted)} is not listed in SHA256SUMS`);
  return wheelhouse;
}

/**
 * Apt options for a throw-away apt configuration in `dir`, so that adding deb-src lines and the
 * trixie suite never touches this machine's own apt sources and lists.
 */
function privateAptOptions(dir: string): string[] {
  return [
    '-o', `Dir::Etc::SourceList=${join(dir, 'sources.list')}`,
    '-o', `Dir::Etc::SourceParts=${join(dir, 'sources.list.d')}`,
    '-o', `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o', `Dir::Cache=${join(dir, 'cache')}`,
    '-o', 'Dir::State::status=/var/lib/dpkg/status',
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Acquire::Languages=none',
    '-o', 'Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false',
    '-q',
  ];
}

/** uWSGI's sdist must unpack to uwsgi-VERSION/ as pip expects; Debian's orig tarball normally does. */
async function sdistFromOrig(orig: string, version: string, work: string): Promise<string> {
  const target = join(work, `uwsgi-${version}.tar.gz`);
  const listing = await runOk('tar', ['-tzf', orig]);
  const tops = new Set(listing.split('\n').filter(Boolean).map((entry) => entry.split('/')[0]));
  if (tops.size === 1 && tops.has(`uwsgi-${version}`)) {
    copyFileSync(orig, target);
  } else {
    const unpack = join(work, `repack-${version}`);
    mkdirSync(join(unpack, `uwsgi-${version}`), { recursive: true });
    const strip = tops.size === 1 ? ['--strip-components=1'] : [];
    await runOk('tar', ['-xzf', orig, '-C', join(unpack, `uwsgi-${version}`), ...strip]);
    await runOk('tar', ['-czf', target, '-C', unpack, `uwsgi-${version}`]);
  }
  const files = await runOk('tar', ['-tzf', target]);
  if (!files.split('\n').includes(`uwsgi-${version}/setup.py`)) {
    throw new Error(`${basename(orig)} does not look like uWSGI's sdist (no setup.py at its top)`);
  }
  return target;
}

/**
 * Fills the index directory: every file of the wheelhouse (CLAM and its dependencies), and from
 * Debian's archive uWSGI's orig tarball (which is the PyPI sdist) for each suite and the wheels
 * Debian ships of setuptools, wheel and pip.
 */
export async function ensurePypiFiles(): Promise<void> {
  if (pypiReady()) return;
  const started = Date.now();
  const wheelhouse = verifiedWheelhouse();
  say(`filling the lab Python index from ${wheelhouse.dir} and Debian (uWSGI source, setuptools/wheel/pip wheels)…`);
  const work = mkdtempSync(join(tmpdir(), 'clamprovision-lab-pypi-'));
  try {
    for (const sub of ['sources.list.d', 'lists/partial', 'cache/archives/partial', 'src', 'debs', 'unpacked']) {
      mkdirSync(join(work, sub), { recursive: true });
    }
    const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
    writeFileSync(
      join(work, 'sources.list'),
      SOURCE_SUITES.map((suite) => `deb [signed-by=${keyring}] http://deb.debian.org/debian ${suite} main\ndeb-src [signed-by=${keyring}] http://deb.debian.org/debian ${suite} main\n`).join(''),
    );
    const apt = privateAptOptions(work);
    await runOk('apt-get', [...apt, 'update']);

    const collected: string[] = wheelhouse.files.map((f) => f.path);
    for (const suite of SOURCE_SUITES) {
      const dir = join(work, 'src', suite);
      mkdirSync(dir);
      // Only the orig tarball matters; a missing .debian.tar.xz (seen on partial mirrors) is no reason to fail.
      const fetched = await run('apt-get', [...apt, 'source', '--download-only', `uwsgi/${suite}`], { cwd: dir });
      const orig = readdirSync(dir).find((f) => /^uwsgi_[^-]+\.orig\.tar\.gz$/.test(f));
      if (!orig) throw new Error(`apt-get source uwsgi/${suite} gave no uwsgi_VERSION.orig.tar.gz: ${fetched.stderr.trim()}`);
      const version = /^uwsgi_(.+)\.orig\.tar\.gz$/.exec(orig)?.[1] ?? '';
      if (!collected.some((f) => basename(f) === `uwsgi-${version}.tar.gz`)) {
        collected.push(await sdistFromOrig(join(dir, orig), version, work));
      }
    }

    for (const suite of SOURCE_SUITES) {
      for (const pkg of WHEEL_PACKAGES[suite] ?? []) {
        const dir = join(work, 'debs', suite);
        mkdirSync(dir, { recursive: true });
        const download = await run('apt-get', [...apt, 'download', `${pkg}/${suite}`], { cwd: dir });
        if (download.code !== 0) continue;
      }
      for (const deb of readdirSync(join(work, 'debs', suite))) {
        const unpacked = join(work, 'unpacked', `${suite}-${deb}`);
        await runOk('dpkg-deb', ['-x', join(work, 'debs', suite, deb), unpacked]);
        const wheelDir = join(unpacked, 'usr/share/python-wheels');
        for (const wheel of readdirSync(wheelDir).filter((f) => f.endsWith('.whl'))) {
          if (!collected.some((f) => basename(f) === wheel)) collected.push(join(wheelDir, wheel));
        }
      }
    }
    if (!collected.some((f) => basename(f).startsWith('setuptools-'))) throw new Error('no setuptools wheel found in Debian');

    rmSync(PYPI_DIR, { recursive: true, force: true });
    mkdirSync(PYPI_DIR, { recursive: true });
    for (const file of collected) {
      const tmp = join(PYPI_DIR, `.${basename(file)}.tmp`);
      copyFileSync(file, tmp);
      renameSync(tmp, join(PYPI_DIR, basename(file)));
    }
    writeFileSync(join(PYPI_DIR, STAMP), stampText(wheelhouse.digest));
    say(`lab Python index ready in ${Math.round((Date.now() - started) / 1000)} s: ${collected.map((f) => basename(f)).join(', ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** PEP 503 name normalisation. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The project a distribution file belongs to: wheels name it before the first '-', sdists before '-VERSION'. */
export function projectOfFile(file: string): string | null {
  if (file.endsWith('.whl')) return normalizeProjectName(file.split('-')[0] ?? '');
  const sdist = /^(.+?)-(\d[^-]*)\.(tar\.gz|zip)$/.exec(file);
  return sdist?.[1] ? normalizeProjectName(sdist[1]) : null;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function page(title: string, links: Array<{ href: string; text: string }>): string {
  const body = links.map((l) => `    <a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a><br/>`).join('\n');
  return `<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head>\n  <body>\n${body}\n  </body>\n</html>\n`;
}

/** A PEP 503 "simple" index over the distribution files in `dir`: /simple/, /simple/NAME/, /packages/FILE. */
export function createPypiHandler(dir: string) {
  const hashes = new Map<string, { mtimeMs: number; sha256: string }>();
  const sha256Of = (file: string): string => {
    const path = join(dir, file);
    const { mtimeMs } = statSync(path);
    const known = hashes.get(file);
    if (known && known.mtimeMs === mtimeMs) return known.sha256;
    const sha256 = sha256Hex(readFileSync(path));
    hashes.set(file, { mtimeMs, sha256 });
    return sha256;
  };
  const distributions = () =>
    readdirSync(dir)
      .filter((f) => !f.startsWith('.'))
      .map((file) => ({ file, project: projectOfFile(file) }))
      .filter((d): d is { file: string; project: string } => d.project !== null)
      .sort((a, b) => a.file.localeCompare(b.file));

  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const html = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const notFound = (): void => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    };
    try {
      if (path === '/' || path === '/simple') {
        res.writeHead(301, { location: '/simple/' }).end();
        return;
      }
      if (path === '/simple/') {
        const projects = [...new Set(distributions().map((d) => d.project))];
        html(page('Simple index', projects.map((p) => ({ href: `/simple/${p}/`, text: p }))));
        return;
      }
      const project = /^\/simple\/([^/]+)\/?$/.exec(path);
      if (project?.[1]) {
        const name = normalizeProjectName(project[1]);
        if (!path.endsWith('/') || name !== project[1]) {
          res.writeHead(301, { location: `/simple/${name}/` }).end();
          return;
        }
        const files = distributions().filter((d) => d.project === name);
        if (files.length === 0) return notFound();
        html(page(`Links for ${name}`, files.map((d) => ({ href: `/packages/${d.file}#sha256=${sha256Of(d.file)}`, text: d.file }))));
        return;
      }
      const pkg = /^\/packages\/([^/]+)$/.exec(path);
      if (pkg?.[1] && !pkg[1].startsWith('.') && projectOfFile(pkg[1])) {
        const file = join(dir, pkg[1]);
        const { size } = statSync(file);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
        return;
      }
      notFound();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return notFound();
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    }
  };
}
