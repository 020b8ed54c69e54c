import { DEFAULT_LOCK_TIMEOUT, installMissingPackages, packageNameSchema, type PackageInstallPlan } from '../modules/lib/apt-get.js';
import { fail, script, shellQuote, withBase64Stdin } from '../modules/lib/shell.js';
import { PRIVATE_DIRECTORY_SHELL } from '../transport/run-lock.js';
import { HOST_PYTHON_SHELL, pipEnvironment, type PipSettings } from './host-pip.js';
import type { WheelKey } from './wheel-key.js';

/**
 * sh: sets cp_wheels to the host's directory of wheels for the next pip install, inside
 * clamprovision's own directory (only its owner writes there; the run's lock made it). The install
 * removes it.
 */
export const HOST_WHEEL_DIRECTORY = `${PRIVATE_DIRECTORY_SHELL}\ncp_wheels="$cp_private/wheels"`;

/**
 * The line a build prints for the wheel it made: the marker, the file name and its bytes (base64),
 * and the Debian packages its libraries load (comma-separated, '-' for none).
 */
const WHEEL_LINE = 'CLAMPROVISION-WHEEL';

export interface WheelFile {
  fileName: string;
  content: Buffer;
  /**
   * the Debian packages whose shared libraries the wheel's programs and extensions load, as found
   * on the host that built it (uWSGI: libpython3.11, which only python3-dev brought there): a host
   * that installs the wheel gets those it lacks
   */
  debianPackages: string[];
}

/**
 * sh function: cp_wheel_needs WHEEL prints the Debian packages (one per line) that ship the shared
 * libraries the ELF files in WHEEL load: ldd's resolved paths, looked up with dpkg -S (exact paths;
 * with merged /usr a library may be known under /lib or /usr/lib only).
 */
export const WHEEL_NEEDS_SHELL = `cp_wheel_needs() {
  rm -rf "$cp_work/unpacked" && mkdir "$cp_work/unpacked"
  "$cp_py" -m zipfile -e "$1" "$cp_work/unpacked" >/dev/null
  find "$cp_work/unpacked" -type f -exec sh -c 'for f; do case "$(od -An -tx1 -N4 "$f")" in *"7f 45 4c 46"*) ldd "$f" 2>/dev/null;; esac; done; true' sh {} + |
    awk '$2 == "=>" && substr($3, 1, 1) == "/" { print $3 }' | sort -u |
    while read -r cp_lib; do
      for cp_path in "$cp_lib" "/usr$cp_lib" "\${cp_lib#/usr}"; do dpkg -S "$cp_path" 2>/dev/null && break; done
    done | sed 's/[:,].*//' | sort -u
}`;

/** What to build: one sdist, by name, version and sha256 (pip checks it: the same sdist on every platform). */
export interface WheelBuild {
  name: string;
  version: string;
  key: WheelKey;
  /** installed first, where still missing: the compiler and headers the build needs */
  buildPackages?: PackageInstallPlan;
}

/**
 * Builds the wheel of one sdist on the host (`pip wheel --no-deps`, the virtualenv's Python, the
 * same index and flags as the install), the build packages it lacks installed first, leaves it in
 * the host's wheel directory for the install that follows, and prints it for the controller's cache.
 */
export function buildWheelScript(build: WheelBuild, settings: PipSettings): string {
  const requirement = `${build.name}==${build.version} --hash=sha256:${build.key.sha256}`;
  return script(
    ...(build.buildPackages ? installMissingPackages(build.buildPackages, DEFAULT_LOCK_TIMEOUT) : []),
    HOST_PYTHON_SHELL,
    HOST_WHEEL_DIRECTORY,
    'mkdir -p -m 0700 "$cp_wheels"',
    'cp_work=$(mktemp -d)',
    `trap 'rm -rf -- "$cp_work"' EXIT`,
    ...pipEnvironment(settings),
    WHEEL_NEEDS_SHELL,
    `cp_host_python ${shellQuote(settings.virtualenv)} "$cp_work" ${shellQuote(settings.virtualenv_command)} || ${fail('no Python with venv and pip on the host to build a wheel with')}`,
    `printf '%s\\n' ${shellQuote(requirement)} > "$cp_work/requirements.txt"`,
    `"$cp_py" -m pip wheel -q --no-deps ${settings.extra_args ? `${settings.extra_args} ` : ''}-w "$cp_work/out" -r "$cp_work/requirements.txt" >&2`,
    'for cp_w in "$cp_work"/out/*.whl; do',
    `  [ -f "$cp_w" ] || ${fail(`pip wheel made no wheel of ${build.name}`)}`,
    '  cp -- "$cp_w" "$cp_wheels/"',
    '  cp_needs=$(cp_wheel_needs "$cp_w" | paste -sd,)',
    `  printf '${WHEEL_LINE} %s %s %s\\n' "$(printf '%s' "\${cp_w##*/}" | base64 -w0)" "$(base64 -w0 < "$cp_w")" "\${cp_needs:--}"`,
    'done',
  );
}

/** The wheels a build printed. A package name that is none (the host's say) is dropped: it goes into other hosts' scripts. */
export function parseBuiltWheels(stdout: string): WheelFile[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`${WHEEL_LINE} `))
    .map((line) => {
      const [, name = '', content = '', packages = '-'] = line.split(' ');
      const debianPackages = packages === '-' ? [] : packages.split(',').filter((p) => packageNameSchema.safeParse(p).success);
      return { fileName: Buffer.from(name, 'base64').toString('utf8'), content: Buffer.from(content, 'base64'), debianPackages };
    });
}

/**
 * Puts wheels from the controller's cache into the host's wheel directory (stdin, never argv), the
 * Debian packages their libraries need installed first where missing (the lists updated first
 * when aptUpdate says why).
 */
export function uploadWheelsScript(wheels: WheelFile[], aptUpdate?: string): string {
  const packages = [...new Set(wheels.flatMap((wheel) => wheel.debianPackages))];
  return script(
    ...installMissingPackages({ missing: packages, ...(aptUpdate ? { update: aptUpdate } : {}) }, DEFAULT_LOCK_TIMEOUT),
    HOST_WHEEL_DIRECTORY,
    'mkdir -p -m 0700 "$cp_wheels"',
    ...wheels.flatMap((wheel) => [
      withBase64Stdin('base64 -d > "$cp_wheels/.upload"', wheel.content),
      `mv -f -- "$cp_wheels/.upload" "$cp_wheels/"${shellQuote(wheel.fileName)}`,
    ]),
  );
}
