/** The host-wide lock that keeps two clamprovision runs from converging one host at once. */
export const LOCK_FILE = '/run/lock/clamprovision.lock';
export const LOCKED_LINE = 'CLAMPROVISION-LOCKED';

/** Holding the lock is tied to the SSH session: a dropped connection releases it, so no stale lock remains. */
export function lockScript(timeoutSeconds: number): string {
  return `exec flock -w ${timeoutSeconds} ${LOCK_FILE} sh -c 'echo ${LOCKED_LINE}; exec cat >/dev/null'`;
}
