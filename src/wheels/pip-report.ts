/**
 * pip's installation report (`pip install --dry-run --report FILE`, pip >= 22.2): what pip would
 * install, where each distribution comes from and what it is. Only what the wheel cache needs is
 * kept; a URL is never kept (it may carry the index's credentials).
 */
import { normalizeDistName } from '../facts/kinds/venv.js';

/** What pip would install a distribution from. */
export type DistributionSource =
  /** a wheel: installed as it is */
  | 'wheel'
  /** an sdist archive (from an index or a URL): pip builds a wheel from it first */
  | 'sdist'
  /** a local directory or a VCS checkout: built from what is there, never cached */
  | 'tree';

export interface ResolvedDistribution {
  /** PEP 503 normalized name */
  name: string;
  version: string;
  source: DistributionSource;
  /** the archive's sha256 (hex), when pip knows it (an index gives it with the link) */
  sha256?: string;
}

export interface PipResolution {
  /** e.g. "cpython" */
  implementation: string;
  /** "3.11" */
  pythonVersion: string;
  /** "x86_64", "aarch64" */
  machine: string;
  install: ResolvedDistribution[];
}

export class PipReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipReportError';
  }
}

const SDIST_SUFFIXES = ['.tar.gz', '.tgz', '.tar.bz2', '.tar.xz', '.tar', '.zip'];

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The path of a URL without query and fragment, lowercased: what tells a wheel from an sdist. */
function urlPath(url: string): string {
  try {
    return new URL(url).pathname.toLowerCase();
  } catch {
    return url.split(/[?#]/)[0]!.toLowerCase();
  }
}

function archiveSha256(archiveInfo: Record<string, unknown>): string | undefined {
  const fromHashes = text(record(archiveInfo.hashes).sha256);
  const legacy = text(archiveInfo.hash);
  const hex = fromHashes ?? (legacy?.startsWith('sha256=') ? legacy.slice('sha256='.length) : undefined);
  return hex && /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toLowerCase() : undefined;
}

function parseItem(item: unknown, index: number): ResolvedDistribution {
  const fields = record(item);
  const metadata = record(fields.metadata);
  const name = text(metadata.name);
  const version = text(metadata.version);
  if (!name || !version) throw new PipReportError(`pip's report: install[${index}] has no name or version`);
  const download = record(fields.download_info);
  const base = { name: normalizeDistName(name), version };
  if (download.archive_info === undefined) return { ...base, source: 'tree' };
  const path = urlPath(text(download.url) ?? '');
  if (path.endsWith('.whl')) return { ...base, source: 'wheel' };
  if (!SDIST_SUFFIXES.some((suffix) => path.endsWith(suffix))) return { ...base, source: 'tree' };
  const sha256 = archiveSha256(record(download.archive_info));
  return { ...base, source: 'sdist', ...(sha256 ? { sha256 } : {}) };
}

/** Parses the JSON pip writes with --report; throws PipReportError when it is not one. */
export function parsePipReport(json: string): PipResolution {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new PipReportError(`pip's report is not JSON: ${(error as Error).message}`);
  }
  const fields = record(document);
  if (!Array.isArray(fields.install)) throw new PipReportError("pip's report has no install list");
  const environment = record(fields.environment);
  const fullVersion = text(environment.python_full_version) ?? '';
  return {
    implementation: text(environment.implementation_name) ?? 'cpython',
    pythonVersion: text(environment.python_version) ?? fullVersion.split('.').slice(0, 2).join('.'),
    machine: text(environment.platform_machine) ?? 'unknown',
    install: fields.install.map(parseItem),
  };
}
