/**
 * The host-wide lock that keeps two clamprovision runs from converging one host at once. It lives in a
 * directory only root can write (not world-writable /run/lock, where any local user could hold it
 * forever). A login without root and without become cannot create that directory; its lock is in the
 * user's own runtime directory (or home), which serializes that user's runs, all such a login can change.
 */
export const LOCK_DIRECTORY = '/run/clamprovision';
export const LOCK_FILE = `${LOCK_DIRECTORY}/lock`;
export const LOCKED_LINE = 'CLAMPROVISION-LOCKED';

/**
 * sh: sets cp_private to clamprovision's own directory on the host, the lock's (root) or the login's
 * runtime directory: only its owner can write there. The lock makes and checks it.
 */
export const PRIVATE_DIRECTORY_SHELL = `if [ "$(id -u)" = 0 ]; then cp_private=${LOCK_DIRECTORY}; else cp_private="\${XDG_RUNTIME_DIR:-$HOME}/.clamprovision"; fi`;

/** Holding the lock is tied to the SSH session: a dropped connection releases it, so no stale lock remains. */
export function lockScript(timeoutSeconds: number): string {
  return [
    PRIVATE_DIRECTORY_SHELL,
    'd=$cp_private',
    'mkdir -p -m 0700 "$d" || exit 1',
    // an existing directory must be ours and closed to others: a lock others can open, others can hold
    `[ -O "$d" ] && [ "$(stat -c %a "$d")" = 700 ] || { echo "the lock directory $d is not owned by $(id -un) with mode 0700" >&2; exit 1; }`,
    `exec flock -w ${timeoutSeconds} "$d/lock" sh -c 'echo ${LOCKED_LINE}; exec cat >/dev/null'`,
  ].join('\n');
}
