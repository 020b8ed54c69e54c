import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_PYTHON_SHELL } from '../../../src/wheels/host-pip.js';
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
