/**
 * CLAM's own Python client on this machine (the controller), for tests and the demo: a job is run
 * exactly as a CLAM user's script would run it (test/lab/clam_job.py), so a deployment is judged by
 * what CLAM itself sees, including the base URL the service announces.
 *
 *   const result = await runClamJob('http://10.231.0.11/shout/', { filename: 'in.txt', content: 'hi' });
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runOk, runStreaming, say } from './exec.js';
import { verifiedWheelhouse } from './pypi-index.js';
import { CACHE_DIR, withFileLock } from './state.js';

const VENV_DIR = join(CACHE_DIR, 'clam-client-venv');
const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');
/** Written last into the venv: the digest of the wheelhouse's SHA256SUMS it was built from. */
const VENV_STAMP = join(VENV_DIR, '.clamprovision-wheelhouse');
const VENV_LOCK = join(CACHE_DIR, 'clam-client-venv.lock');
const JOB_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'clam_job.py');
/** Debian's python (not a pyenv or other one on PATH: lxml's wheels are built for it), and lxml's libraries. */
const SYSTEM_PYTHON = '/usr/bin/python3';
const DEBIAN_PACKAGES = ['python3', 'python3-venv', 'libxml2', 'libxslt1.1'];

export interface ClamJobResult {
  /** the base URL in CLAM's answers (from its `url`/`use_forwarded_host` settings), which the client follows */
  announcedBaseUrl: string | null;
  project: string | null;
  /** the user CLAM says the project belongs to ('anonymous' when CLAM authenticates no one) */
  user: string | null;
  /** CLAM's status code (clam.common.status): 0 ready, 1 running, 2 done */
  status: number | null;
  statusMessage: string | null;
  /** every URL the client requested, in order */
  urls: string[];
  /** every output file (error.log too) by name, as text */
  outputs: Record<string, string>;
  errorlog: string;
  /** set when the job failed; runClamJob then throws a ClamJobError carrying this result */
  error?: string;
}

export class ClamJobError extends Error {
  constructor(
    message: string,
    readonly result: ClamJobResult | undefined,
  ) {
    super(message);
    this.name = 'ClamJobError';
  }
}

async function missingDebianPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of DEBIAN_PACKAGES) {
    const status = await run('dpkg-query', ['-W', '-f=${db:Status-Status}', pkg]);
    if (status.stdout.trim() !== 'installed') missing.push(pkg);
  }
  return missing;
}

/** Installs what the venv needs with apt, the way the lab installs its own packages (host-packages.ts). */
async function ensureDebianPackages(): Promise<void> {
  const missing = await missingDebianPackages();
  if (missing.length === 0) return;
  say(`installing ${missing.join(' ')} on this machine for CLAM's client (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runStreaming('apt-get', ['update', '-q'], { env, quiet: true });
  await runStreaming('apt-get', ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', ...missing], {
    env,
    quiet: true,
  });
}

function venvCurrent(digest: string): boolean {
  try {
    return existsSync(VENV_PYTHON) && readFileSync(VENV_STAMP, 'utf8').trim() === digest;
  } catch {
    return false;
  }
}

/**
 * A virtualenv with CLAM from the wheelhouse, made once under the lab's cache and made again when the
 * wheelhouse changes; concurrent callers wait for one builder (a lock, not a rename: a venv's scripts
 * hold its path). Returns the venv's python.
 */
export async function ensureClamClientVenv(): Promise<string> {
  const wheelhouse = verifiedWheelhouse();
  if (venvCurrent(wheelhouse.digest)) return VENV_PYTHON;
  mkdirSync(CACHE_DIR, { recursive: true });
  return withFileLock(VENV_LOCK, "another process building CLAM's client venv", async () => {
    if (venvCurrent(wheelhouse.digest)) return VENV_PYTHON;
    await ensureDebianPackages();
    say(`making a virtualenv with CLAM's client in ${VENV_DIR} (from ${wheelhouse.dir})…`);
    rmSync(VENV_DIR, { recursive: true, force: true });
    await runOk(SYSTEM_PYTHON, ['-m', 'venv', VENV_DIR]);
    await runOk(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-index', '--find-links', wheelhouse.dir, 'clam']);
    await runOk(VENV_PYTHON, ['-c', 'import clam.common.client, lxml.etree']);
    writeFileSync(VENV_STAMP, `${wheelhouse.digest}\n`);
    return VENV_PYTHON;
  });
}

function parseResult(stdout: string): ClamJobResult | undefined {
  const line = stdout.trim().split('\n').pop();
  if (!line) return undefined;
  try {
    return JSON.parse(line) as ClamJobResult;
  } catch {
    return undefined;
  }
}

/**
 * Runs one job on the CLAM service at `baseUrl` with CLAM's client: a new project, `input` uploaded
 * with the first input template, the job started with `parameters` and waited for, every output
 * downloaded, the project deleted; with `credentials`, every request carries them (HTTP Basic).
 * Throws a ClamJobError (with what the client saw) when it fails.
 */
export async function runClamJob(
  baseUrl: string,
  input: { filename: string; content: string },
  opts: { parameters?: Record<string, string>; timeoutMs?: number; credentials?: { user: string; password: string } } = {},
): Promise<ClamJobResult> {
  const python = await ensureClamClientVenv();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  // credentials go to the client on stdin (never argv), which sends them with HTTP Basic
  const request = { baseUrl, ...input, parameters: opts.parameters ?? {}, timeoutSeconds: timeoutMs / 1000, ...opts.credentials };
  // The script stops polling at the deadline itself; the kill is for a request that hangs.
  const job = await run(python, [JOB_SCRIPT], { input: JSON.stringify(request), timeoutMs: timeoutMs + 15_000 });
  const result = parseResult(job.stdout);
  if (job.code === 0 && result && !result.error) return result;
  const reason = result?.error ?? `exit ${job.code}, no result`;
  const stderrTail = job.stderr.trim().split('\n').slice(-15).join('\n');
  const errorlog = result?.errorlog ? `\nerror.log:\n${result.errorlog.trim()}` : '';
  const requested = result?.urls.length ? `\nrequested: ${result.urls.join(' ')}` : '';
  throw new ClamJobError(`CLAM job on ${baseUrl} failed: ${reason}${requested}${errorlog}${stderrTail ? `\n${stderrTail}` : ''}`, result);
}
