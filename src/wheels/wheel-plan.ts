import type { OsFact } from '../facts/types.js';
import type { PackageInstallPlan } from '../modules/lib/apt-get.js';
import type { PipSettings } from './host-pip.js';
import type { PipResolution } from './pip-report.js';
import type { WheelState } from './wheel-broker.js';
import { platformOf, type WheelKey } from './wheel-key.js';

/** How a host gets the wheel of a distribution that pip would otherwise build from its sdist. */
export type WheelSource =
  /** the controller has it: uploaded, installed without compiling */
  | { via: 'cache' }
  /** another host of this run builds it: wait, then as from the cache */
  | { via: 'wait'; builder: string }
  /** this host builds it (once, with `pip wheel`), the controller keeps it */
  | { via: 'build' };

export type WheelNeed = WheelSource & {
  /** normalized distribution name */
  name: string;
  version: string;
  key: WheelKey;
  /** the Debian packages the build installs first where they are missing (pip's build_packages) */
  buildPackages?: PackageInstallPlan;
};

/** What the engine does on the controller's side before a pip install runs. */
export interface WheelWork {
  needs: WheelNeed[];
  pip: PipSettings;
  /**
   * why the apt lists are updated before the Debian packages a cached wheel needs are installed
   * (the host's lists are stale), when the host lacks one; absent: they are not updated
   */
  aptUpdate?: string;
}

/**
 * The sdists pip would build for this host, and where each one's wheel comes from. An sdist whose
 * sha256 pip does not know is left to pip (no key to cache it under).
 */
export function planWheels(resolution: PipResolution, os: Pick<OsFact, 'id' | 'versionId'>, stateOf: (key: WheelKey) => WheelState): WheelNeed[] {
  const platform = platformOf(os, resolution);
  const needs: WheelNeed[] = [];
  for (const distribution of resolution.install) {
    if (distribution.source !== 'sdist' || !distribution.sha256) continue;
    const key = { platform, sha256: distribution.sha256 };
    const state = stateOf(key);
    const source: WheelSource =
      state.kind === 'cached' ? { via: 'cache' } : state.kind === 'building' ? { via: 'wait', builder: state.builder } : { via: 'build' };
    needs.push({ name: distribution.name, version: distribution.version, key, ...source });
  }
  return needs;
}

/** The words plan and apply show for a wheel: "build wheel, then cache", "from the controller's wheel cache". */
export function describeWheelSource(source: WheelSource): string {
  switch (source.via) {
    case 'cache':
      return "from the controller's wheel cache";
    case 'wait':
      return `from the controller's wheel cache, once ${source.builder} has built it`;
    case 'build':
      return 'build wheel, then cache';
  }
}
