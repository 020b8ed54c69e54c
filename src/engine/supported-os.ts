import type { OsFact } from '../facts/types.js';

const SUPPORTED: Record<string, string[]> = {
  debian: ['11', '12', '13'],
  ubuntu: ['22.04', '24.04'],
};

/** Why this OS is not supported, or undefined when it is. */
export function unsupportedOsReason(os: OsFact): string | undefined {
  const versions = SUPPORTED[os.id];
  // Debian testing/sid have no VERSION_ID; accept them by codename of the supported releases only.
  if (versions?.includes(os.versionId)) return undefined;
  if (os.id === 'debian' && !os.versionId && ['bullseye', 'bookworm', 'trixie'].includes(os.codename)) return undefined;
  const name = os.prettyName || `${os.id} ${os.versionId}`.trim() || 'an unknown OS';
  return `unsupported OS: ${name} (clamprovision supports Debian 11, 12, 13 and Ubuntu 22.04, 24.04)`;
}
