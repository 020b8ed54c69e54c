import type { OsFact } from '../facts/types.js';
import type { PipResolution } from './pip-report.js';

/**
 * What a built wheel is good for: one OS release, architecture and Python (the platform), built from
 * one sdist (its sha256). The same sdist built with the same flags on the same platform gives the
 * same wheel, so one build serves every host of that platform.
 */
export interface WheelKey {
  /** e.g. "debian-12-x86_64-cpython3.11": safe as a file name */
  platform: string;
  /** the sdist's sha256, hex */
  sha256: string;
}

const unsafe = /[^A-Za-z0-9._]+/g;

export function platformOf(os: Pick<OsFact, 'id' | 'versionId'>, resolution: Pick<PipResolution, 'implementation' | 'machine' | 'pythonVersion'>): string {
  const part = (value: string) => value.replace(unsafe, '') || 'unknown';
  return `${part(os.id)}-${part(os.versionId)}-${part(resolution.machine)}-${part(resolution.implementation)}${part(resolution.pythonVersion)}`;
}

/** One string for maps: platform/sha256. */
export function keyText(key: WheelKey): string {
  return `${key.platform}/${key.sha256}`;
}
