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
 * install there (pip, and setuptools before Python 3.12), from where ensurepip takes them.
 */
const UNPACK_ENSUREPIP_WHEELS = [
  'import ensurepip, os, sysconfig, zipfile',
  'bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")',
  'for package in ensurepip._get_packages().values():',
  '    zipfile.ZipFile(package.wheel_path or os.path.join(bundled, package.wheel_name)).extractall(sysconfig.get_path("purelib"))',
].join('\n');

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
    "$cp_py" -c ${shellQuote(UNPACK_ENSUREPIP_WHEELS)} >/dev/null 2>&1 && "$cp_py" -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  rm -rf "$2/venv"
  $3 "$2/venv" >/dev/null 2>&1 && [ -x "$2/venv/bin/pip" ] || return 1
}`;
