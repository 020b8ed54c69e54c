import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SYSCTLS_BEFORE, readJson, writeJson } from './state.js';

/**
 * Kernel settings the lab needs while it runs. Every host's systemd takes ~9 inotify instances, all
 * counted against root: the default 128 stops the 14th host from booting ("Failed to create inotify
 * object: Too many open files").
 */
const WANTED: Array<{ key: string; value: number; onlyRaise: boolean }> = [
  { key: 'net/ipv4/ip_forward', value: 1, onlyRaise: false },
  { key: 'fs/inotify/max_user_instances', value: 8192, onlyRaise: true },
  { key: 'fs/inotify/max_user_watches', value: 1048576, onlyRaise: true },
];

const path = (key: string) => `/proc/sys/${key}`;

/** Sets the lab's values, remembering (once, for all lab instances) what the machine had before. */
export function applyLabSysctls(): void {
  const before = readJson<Record<string, string>>(SYSCTLS_BEFORE, {});
  for (const { key, value, onlyRaise } of WANTED) {
    const current = readFileSync(path(key), 'utf8').trim();
    const needed = onlyRaise ? Number(current) < value : current !== String(value);
    if (!needed) continue;
    before[key] ??= current;
    writeJson(SYSCTLS_BEFORE, before);
    writeFileSync(path(key), `${value}\n`);
  }
}

/** Puts back what applyLabSysctls changed; callers do this only when no lab instance runs any more. */
export function restoreLabSysctls(): void {
  if (!existsSync(SYSCTLS_BEFORE)) return;
  const before = readJson<Record<string, string>>(SYSCTLS_BEFORE, {});
  for (const [key, value] of Object.entries(before)) writeFileSync(path(key), `${value}\n`);
  rmSync(SYSCTLS_BEFORE);
}
