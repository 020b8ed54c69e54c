import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, runOk, runStreaming, say } from './exec.js';
import { CACHE_DIR, DEPLOY_PASSWORD, DEPLOY_USER, rootfsDir, type Suite } from './state.js';

/** Bump when the image recipe below changes: cached root filesystems with another stamp are rebuilt. */
const ROOTFS_RECIPE = 'clamprovision-lab rootfs v1';
const STAMP = '.clamprovision-lab-rootfs';

export const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'ca-certificates', 'iproute2'];
const MIRROR = 'http://deb.debian.org/debian';

export function rootfsReady(suite: Suite): boolean {
  try {
    return readFileSync(join(rootfsDir(suite), STAMP), 'utf8').trim() === ROOTFS_RECIPE;
  } catch {
    return false;
  }
}

/**
 * Builds the suite's root filesystem once: into a temporary directory that is renamed into place
 * only when complete, so an interrupted build is never taken for a cached one.
 * Callers hold the lab lock.
 */
export async function ensureRootfs(suite: Suite): Promise<string> {
  const dir = rootfsDir(suite);
  if (rootfsReady(suite)) return dir;
  mkdirSync(CACHE_DIR, { recursive: true });
  for (const entry of readdirSync(CACHE_DIR)) {
    if (entry.startsWith(`rootfs-${suite}.`)) rmSync(join(CACHE_DIR, entry), { recursive: true, force: true });
  }
  const tmp = `${dir}.building-${process.pid}`;
  const started = Date.now();
  say(`building ${suite} root filesystem (first time, ~1 min)…`);
  try {
    await runStreaming(
      'debootstrap',
      ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, '--components=main', suite, tmp, MIRROR],
      { quiet: true },
    );
    await configureImage(tmp);
    writeFileSync(join(tmp, STAMP), `${ROOTFS_RECIPE}\n`);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (existsSync(dir)) renameSync(dir, `${dir}.old-${process.pid}`);
  renameSync(tmp, dir);
  rmSync(`${dir}.old-${process.pid}`, { recursive: true, force: true });
  say(`${suite} root filesystem ready in ${Math.round((Date.now() - started) / 1000)} s (${dir})`);
  return dir;
}

function chroot(root: string, args: string[], input?: string): Promise<string> {
  return runOk('chroot', [root, ...args], {
    input,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function write(root: string, path: string, content: string, mode = 0o644): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content, { mode });
}

/** What every lab host shares; per-host files (keys, hostname, apt sources) are written at boot. */
async function configureImage(root: string): Promise<void> {
  if (existsSync(join(root, 'usr/bin/python3'))) {
    throw new Error('the base image unexpectedly contains python3; the lab must prove the tool needs only a shell');
  }
  // Keys made by openssh-server's postinst would be shared by every host: each host gets its own.
  for (const entry of readdirSync(join(root, 'etc/ssh'))) {
    if (entry.startsWith('ssh_host_')) rmSync(join(root, 'etc/ssh', entry));
  }
  write(
    root,
    'etc/ssh/sshd_config.d/clamprovision-lab.conf',
    [
      '# clamprovision lab: one ed25519 host key per host, made outside and kept across re-creation',
      'HostKey /etc/ssh/ssh_host_ed25519_key',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication yes',
      'UseDNS no',
      '',
    ].join('\n'),
  );
  await chroot(root, ['useradd', '--create-home', '--shell', '/bin/bash', '--groups', 'sudo', DEPLOY_USER]);
  await chroot(root, ['chpasswd'], `${DEPLOY_USER}:${DEPLOY_PASSWORD}\n`);
  // An empty machine-id makes systemd create a fresh one on each host's first boot.
  writeFileSync(join(root, 'etc/machine-id'), '');
  rmSync(join(root, 'var/lib/dbus/machine-id'), { force: true });
  rmSync(join(root, 'etc/hostname'), { force: true });
  await chroot(root, ['apt-get', 'clean']);
  // The lists debootstrap left describe deb.debian.org, which the hosts' sources no longer name.
  for (const entry of readdirSync(join(root, 'var/lib/apt/lists'))) {
    if (entry.includes('_')) rmSync(join(root, 'var/lib/apt/lists', entry), { force: true });
  }
  // Sources are written per host (they point at the lab's apt proxy); drop debootstrap's.
  rmSync(join(root, 'etc/apt/sources.list'), { force: true });
  const result = await run('chroot', [root, 'sh', '-c', 'command -v python3 || true']);
  if (result.stdout.trim()) throw new Error(`python3 found in the base image at ${result.stdout.trim()}`);
}
