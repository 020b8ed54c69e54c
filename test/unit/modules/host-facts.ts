import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { emptyFacts } from '../../../src/facts/parse.js';
import type { FileFact, HostFacts, OsFact } from '../../../src/facts/types.js';

/** The os-release of each supported release, as the hosts ship it (abridged to the fields read). */
export const OS: Record<'bookworm' | 'bullseye' | 'trixie' | 'jammy' | 'noble', OsFact> = {
  bullseye: { id: 'debian', versionId: '11', codename: 'bullseye', prettyName: 'Debian GNU/Linux 11 (bullseye)', idLike: '' },
  bookworm: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', idLike: '' },
  trixie: { id: 'debian', versionId: '13', codename: 'trixie', prettyName: 'Debian GNU/Linux 13 (trixie)', idLike: '' },
  jammy: { id: 'ubuntu', versionId: '22.04', codename: 'jammy', prettyName: 'Ubuntu 22.04.5 LTS', idLike: 'debian' },
  noble: { id: 'ubuntu', versionId: '24.04', codename: 'noble', prettyName: 'Ubuntu 24.04.1 LTS', idLike: 'debian' },
};

/** Facts of a systemd host of the given release, connected over port 22 as root; override what a test needs. */
export function hostFacts(overrides: Partial<HostFacts> = {}, os: keyof typeof OS = 'bookworm'): HostFacts {
  return { ...emptyFacts(), os: OS[os], init: 'systemd', user: 'root', sshPort: 22, aptListsAge: 600, ...overrides };
}

export function fileFact(content: string | Buffer, attributes: { mode?: number; owner?: string; group?: string } = {}): FileFact {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return {
    exists: true,
    type: 'file',
    mode: attributes.mode ?? 0o644,
    owner: attributes.owner ?? 'root',
    group: attributes.group ?? 'root',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    content: bytes,
  };
}

export function directoryFact(attributes: { mode?: number; owner?: string; group?: string } = {}): FileFact {
  return { exists: true, type: 'directory', mode: attributes.mode ?? 0o755, owner: attributes.owner ?? 'root', group: attributes.group ?? 'root', size: 4096 };
}

export const MISSING: FileFact = { exists: false };

/** Runs a module's script with sh (dash where the host has it, like Debian's /bin/sh). */
export function runScript(script: string, args: string[] = []): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('sh', ['-s', '--', ...args], { input: script, encoding: 'utf8' });
  return { code: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

/** `sh -n`: the script parses. */
export function assertParses(script: string): void {
  execFileSync('sh', ['-n'], { input: script });
}
