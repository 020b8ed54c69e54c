import { DEFAULT_LOCK_TIMEOUT, installMissingPackages, type PackageInstallPlan } from '../modules/lib/apt-get.js';
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

/** The line a build prints for the wheel it made: the marker, the file name and its bytes, base64. */
const WHEEL_LINE = 'CLAMPROVISION-WHEEL';

export interface WheelFile {
  fileName: string;
  content: Buffer;
}

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
    `cp_host_python ${shellQuote(settings.virtualenv)} "$cp_work" ${shellQuote(settings.virtualenv_command)} || ${fail('no Python with venv and pip on the host to build a wheel with')}`,
    `printf '%s\\n' ${shellQuote(requirement)} > "$cp_work/requirements.txt"`,
    `"$cp_py" -m pip wheel -q --no-deps ${settings.extra_args ? `${settings.extra_args} ` : ''}-w "$cp_work/out" -r "$cp_work/requirements.txt" >&2`,
    'for cp_w in "$cp_work"/out/*.whl; do',
    `  [ -f "$cp_w" ] || ${fail(`pip wheel made no wheel of ${build.name}`)}`,
    '  cp -- "$cp_w" "$cp_wheels/"',
    `  printf '${WHEEL_LINE} %s %s\\n' "$(printf '%s' "\${cp_w##*/}" | base64 -w0)" "$(base64 -w0 < "$cp_w")"`,
    'done',
  );
}

/** The wheels a build printed. */
export function parseBuiltWheels(stdout: string): WheelFile[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`${WHEEL_LINE} `))
    .map((line) => {
      const [, name = '', content = ''] = line.split(' ');
      return { fileName: Buffer.from(name, 'base64').toString('utf8'), content: Buffer.from(content, 'base64') };
    });
}

/** Puts wheels from the controller's cache into the host's wheel directory (stdin, never argv). */
export function uploadWheelsScript(wheels: WheelFile[]): string {
  return script(
    HOST_WHEEL_DIRECTORY,
    'mkdir -p -m 0700 "$cp_wheels"',
    ...wheels.flatMap((wheel) => [
      withBase64Stdin('base64 -d > "$cp_wheels/.upload"', wheel.content),
      `mv -f -- "$cp_wheels/.upload" "$cp_wheels/"${shellQuote(wheel.fileName)}`,
    ]),
  );
}
