import { shellQuote } from '../core/shell-quote.js';

/** pip's settings for a virtualenv, as every pip command on the host needs them (the same index, the same flags). */
export interface PipSettings {
  virtualenv: string;
  /** how the virtualenv is made: a throwaway one made the same way resolves and builds before it exists */
  virtualenv_command: string;
  index_url?: string;
  trusted_host?: string[];
  extra_args?: string;
}

/**
 * What every pip command on a host starts with: the index (it may carry credentials, so it goes
 * through the environment, never argv) and a quiet, non-interactive pip.
 */
export function pipEnvironment(settings: Pick<PipSettings, 'index_url' | 'trusted_host'>): string[] {
  return [
    ...(settings.index_url ? [`export PIP_INDEX_URL=${shellQuote(settings.index_url)}`] : []),
    ...(settings.trusted_host ? [`export PIP_TRUSTED_HOST=${shellQuote(settings.trusted_host.join(' '))}`] : []),
    'export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore',
  ];
}

/**
 * Python (run by a virtualenv's python): unpacks into its site-packages the wheels ensurepip would
 * install there (pip, and setuptools before Python 3.12), from where ensurepip takes them. Without
 * their metadata (.dist-info) it prints the wheels' paths instead: pip runs from what was unpacked
 * and installs them for good (metadata, bin/pip) in the install it does anyway.
 */
function unpackEnsurepipWheels(metadata: boolean): string {
  return [
    'import ensurepip, os, sysconfig, zipfile',
    'bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")',
    'for package in ensurepip._get_packages().values():',
    '    wheel = package.wheel_path or os.path.join(bundled, package.wheel_name)',
    '    archive = zipfile.ZipFile(wheel)',
    metadata
      ? '    archive.extractall(sysconfig.get_path("purelib"))'
      : '    archive.extractall(sysconfig.get_path("purelib"), [n for n in archive.namelist() if not n.split("/", 1)[0].endswith(".dist-info")])\n    print(wheel)',
  ].join('\n');
}

/**
 * sh function: cp_host_python VENV WORKDIR VIRTUALENV_COMMAND sets cp_py to the Python whose pip
 * resolves and builds for VENV: the virtualenv's own, or (before it exists) a throwaway one made in
 * WORKDIR the way the virtualenv will be made. Fails when neither is possible (no Python yet).
 *
 * The throwaway one of `python3 -m venv` holds the same distributions, made in a quarter of a second
 * instead of three or more: the wheels ensurepip would install are unpacked into it rather than
 * installed by pip (which imports itself from the wheel, then byte-compiles everything). Where
 * ensurepip does not say which wheels (its _get_packages is not public), it is made as the command says.
 */
export const HOST_PYTHON_SHELL = `cp_host_python() {
  if [ -x "$1/bin/pip" ]; then cp_py="$1/bin/python"; return 0; fi
  cp_py="$2/venv/bin/python"
  if [ "$3" = 'python3 -m venv' ] && python3 -m venv --without-pip "$2/venv" >/dev/null 2>&1 &&
    "$cp_py" -c ${shellQuote(unpackEnsurepipWheels(true))} >/dev/null 2>&1 && "$cp_py" -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  rm -rf "$2/venv"
  $3 "$2/venv" >/dev/null 2>&1 && [ -x "$2/venv/bin/pip" ] || return 1
}`;

/**
 * sh function: cp_new_venv VENV VIRTUALENV_COMMAND makes the virtualenv the pip task installs into,
 * as the command does; for `python3 -m venv`, without the pip that ensurepip runs to install pip
 * and setuptools (2 s of a first deployment, and of every new release's virtualenv): they are
 * unpacked, and cp_pip_wheels names their wheels for the install to install them properly, beside
 * the requirements (the same files, bin/pip included, as ensurepip's). On failure it says why and
 * leaves no directory behind.
 */
export const NEW_VENV_SHELL = `cp_new_venv() {
  cp_pip_wheels=''
  if [ "$2" = 'python3 -m venv' ] && python3 -m venv --without-pip "$1" >/dev/null 2>&1 &&
    cp_pip_wheels=$("$1/bin/python" -c ${shellQuote(unpackEnsurepipWheels(false))} 2>/dev/null) && [ -n "$cp_pip_wheels" ] &&
    "$1/bin/python" -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  rm -rf -- "$1"
  cp_pip_wheels=''
  if cp_out=$($2 "$1" 2>&1); then return 0; fi
  printf '%s\\n' "$cp_out" >&2
  case "$cp_out" in *ensurepip*) echo 'install the python3-venv package first (apt)' >&2;; esac
  rm -rf -- "$1"
  return 1
}`;
