import { existsSync } from 'node:fs';
import { run, runStreaming, say } from './exec.js';

/** The programs the lab runs on this machine, and the Debian package that provides each. */
const NEEDED: Array<{ program: string; pkg: string }> = [
  { program: '/usr/sbin/debootstrap', pkg: 'debootstrap' },
  { program: '/usr/bin/systemd-nspawn', pkg: 'systemd-container' },
  { program: '/usr/sbin/iptables', pkg: 'iptables' },
  { program: '/usr/bin/ssh', pkg: 'openssh-client' },
  { program: '/usr/bin/ssh-keygen', pkg: 'openssh-client' },
  { program: '/usr/bin/dpkg-source', pkg: 'dpkg-dev' },
  { program: '/usr/bin/flock', pkg: 'util-linux' },
  { program: '/usr/sbin/ip', pkg: 'iproute2' },
  { program: '/usr/bin/gpgv', pkg: 'gpgv' },
  { program: '/usr/share/keyrings/debian-archive-keyring.gpg', pkg: 'debian-archive-keyring' },
  // the ACME server, and the CA of its directory's certificate
  { program: '/usr/bin/pebble', pkg: 'pebble' },
  { program: '/usr/bin/openssl', pkg: 'openssl' },
];

export const LAB_HOST_PACKAGES = [...new Set(NEEDED.map((n) => n.pkg))];

export function assertRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      'the lab needs root: it creates network namespaces, a bridge, NAT rules, overlay mounts and ' +
        'systemd-nspawn containers. Run it as root (e.g. `sudo npm run lab -- up`).',
    );
  }
}

/** Installs the Debian packages the lab needs when any is missing (apt-get update once, first). */
export async function ensureHostPackages(): Promise<void> {
  const missing = [...new Set(NEEDED.filter((n) => !existsSync(n.program)).map((n) => n.pkg))];
  if (missing.length === 0) return;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(`the lab needs these Debian packages and this machine has no apt-get: ${missing.join(' ')}`);
  }
  say(`installing ${missing.join(' ')} on this machine (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runStreaming('apt-get', ['update', '-q'], { env, quiet: true });
  await runStreaming(
    'apt-get',
    ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', ...missing],
    { env, quiet: true },
  );
  const still = NEEDED.filter((n) => !existsSync(n.program));
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.map((n) => n.program).join(' ')}`);
  const check = await run('systemd-nspawn', ['--version']);
  if (check.code !== 0) throw new Error(`systemd-nspawn does not run: ${check.stderr}`);
}
