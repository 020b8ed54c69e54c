import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_PYTHON_SHELL, NEW_VENV_SHELL } from '../../../src/wheels/host-pip.js';
import test from 'ava';
import { testIf } from '../../helpers/precondition.js';
import { testTempDir } from '../../helpers/temp-dir.js';

const hasEnsurepip = spawnSync('python3', ['-c', 'import ensurepip, venv']).status === 0;
const withVenv = testIf(hasEnsurepip, 'python3 with venv and ensurepip');

/** The distributions a virtualenv's pip sees (name==version), in the order pip lists them. */
function distributions(python: string): string {
  const list = spawnSync(python, ['-m', 'pip', 'list', '--format=freeze', '--disable-pip-version-check'], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(list.stderr);
  return list.stdout;
}

/** Runs cp_host_python VENV WORKDIR COMMAND; returns the Python it chose (cp_py), or the exit status. */
function hostPython(workdir: string, command: string): string {
  const run = spawnSync('sh', ['-c', `${HOST_PYTHON_SHELL}\ncp_host_python /nonexistent/venv "$1" "$2" && printf '%s' "$cp_py"`, 'sh', workdir, command], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`cp_host_python exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

withVenv('the throwaway virtualenv of `python3 -m venv`, made without ensurepip\'s install, holds the same distributions as one that command makes', (t) => {
  const work = testTempDir('host-pip');
  const made = spawnSync('python3', ['-m', 'venv', join(work, 'made')]);
  t.is(made.status, 0);
  const python = hostPython(join(work, 'throwaway'), 'python3 -m venv');
  t.is(python, join(work, 'throwaway', 'venv', 'bin', 'python'));
  t.is(distributions(python), distributions(join(work, 'made', 'bin', 'python')));
  t.false(existsSync(join(work, 'throwaway', 'venv', 'bin', 'pip')), 'made without ensurepip: no bin/pip');
});

withVenv('another virtualenv command makes the throwaway one itself', (t) => {
  const work = testTempDir('host-pip');
  // the same command spelled otherwise: not the one whose wheels are known
  hostPython(join(work, 'throwaway'), 'python3 -m  venv');
  t.true(existsSync(join(work, 'throwaway', 'venv', 'bin', 'pip')), 'made by the command: it has bin/pip');
});

withVenv('cp_new_venv with `python3 -m venv`: the install that follows makes the same virtualenv as the command (pip, setuptools, bin/pip), without ensurepip\'s install', (t) => {
  const work = testTempDir('host-pip');
  const made = spawnSync('python3', ['-m', 'venv', join(work, 'made')]);
  t.is(made.status, 0);
  const venv = join(work, 'new');
  // what the pip task's script does: cp_new_venv, then its install with $cp_pip_wheels (no index: nothing else to install)
  const run = spawnSync('sh', ['-c', `${NEW_VENV_SHELL}\ncp_new_venv "$1" 'python3 -m venv' || exit 1\n[ ! -e "$1/bin/pip" ] || exit 7\n"$1/bin/python" -m pip install -q --no-index --disable-pip-version-check $cp_pip_wheels`, 'sh', venv], { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  t.is(distributions(join(venv, 'bin', 'python')), distributions(join(work, 'made', 'bin', 'python')));
  const pipVersion = spawnSync(join(venv, 'bin', 'pip'), ['--version'], { encoding: 'utf8' });
  t.is(pipVersion.status, 0, pipVersion.stderr);
  t.true(pipVersion.stdout.includes(venv), pipVersion.stdout);
});

test('cp_new_venv: a command that fails says why, with the python3-venv hint for ensurepip, and leaves no directory', (t) => {
  const work = testTempDir('host-pip');
  const venv = join(work, 'venv');
  // a virtualenv command as Debian's python3 without python3-venv fails: after making the directory
  const command = join(work, 'fails.sh');
  writeFileSync(command, 'mkdir -p "$1"; echo "The virtual environment was not created successfully because ensurepip is not available."; exit 1\n');
  const run = spawnSync('sh', ['-c', `${NEW_VENV_SHELL}\ncp_new_venv "$1" "sh $2"`, 'sh', venv, command], { encoding: 'utf8' });
  t.is(run.status, 1);
  t.regex(run.stderr, /ensurepip is not available\.\ninstall the python3-venv package first \(apt\)\n/);
  t.false(existsSync(venv));
});
