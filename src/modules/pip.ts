import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { VenvFact } from '../facts/types.js';
import { defineModule } from './types.js';
import { needFact } from './lib/facts.js';
import { absolutePathSchema } from './lib/mode.js';
import { isSatisfied, parseRequirement } from './lib/pep440.js';
import { fail, script, shellQuote } from './lib/shell.js';

const schema = z.strictObject({
  /** requirements ("clam", "uwsgi==2.0.21", "flask>=2,<4") and/or host paths of projects ("/opt/clam/x/src") */
  name: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  virtualenv: absolutePathSchema,
  virtualenv_command: z.string().min(1).default('python3 -m venv'),
  index_url: z.string().min(1).optional(),
  trusted_host: z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (Array.isArray(v) ? v : [v])).optional(),
  /** more pip install options, as sh words (e.g. "--no-build-isolation") */
  extra_args: z.string().optional(),
  /**
   * an opaque fingerprint of the host-path projects (e.g. a hash of the uploaded source): when it
   * differs from the one recorded at their last install, they are installed again
   */
  reinstall_on: z.string().optional(),
});

export type PipArgs = z.output<typeof schema>;

const MARKER_DIR = '.clamprovision';

function isHostPath(entry: string): boolean {
  return entry.startsWith('/');
}

/** The marker file in VENV/.clamprovision/ that records what a host path was installed from. */
export function pathMarkerName(path: string): string {
  return `path-${createHash('sha256').update(path).digest('hex').slice(0, 16)}`;
}

function unsatisfied(args: PipArgs, venv: VenvFact): { entry: string; why: string }[] {
  const result: { entry: string; why: string }[] = [];
  const fingerprint = args.reinstall_on ?? '';
  for (const entry of args.name) {
    if (isHostPath(entry)) {
      const recorded = venv.markers.get(pathMarkerName(entry));
      if (recorded === undefined) result.push({ entry, why: 'not installed yet' });
      else if (recorded !== fingerprint) result.push({ entry, why: 'reinstall_on changed' });
      continue;
    }
    const requirement = parseRequirement(entry);
    const installed = venv.packages.get(requirement.name);
    if (!isSatisfied(requirement, installed)) {
      result.push({ entry, why: installed === undefined ? 'not installed' : `${installed} installed` });
    }
  }
  return result;
}

export const pip = defineModule({
  name: 'pip',
  schema,
  facts: (args) => [{ kind: 'venv', path: args.virtualenv }],
  plan(args, facts) {
    const venvFact = needFact(facts.venvs, args.virtualenv, 'virtualenv');
    const venv = shellQuote(args.virtualenv);
    const summary: string[] = [];
    const commands: string[] = [];
    if (!venvFact.exists) {
      summary.push(`create the virtualenv ${args.virtualenv}`);
      // `python3 -m venv` without python3-venv leaves a directory without bin/pip: start over
      commands.push(
        `if [ -e ${venv}/pyvenv.cfg ] && [ ! -x ${venv}/bin/pip ]; then rm -rf -- ${venv}; fi`,
        `if [ -d ${venv} ] && [ -n "$(ls -A -- ${venv})" ] && [ ! -e ${venv}/pyvenv.cfg ]; then ${fail(`${args.virtualenv} exists and is not a virtualenv`)}; fi`,
        `if ! cp_out=$(${args.virtualenv_command} ${venv} 2>&1); then`,
        `  printf '%s\\n' "$cp_out" >&2`,
        `  case "$cp_out" in *ensurepip*) echo 'install the python3-venv package first (apt)' >&2;; esac`,
        `  rm -rf -- ${venv}`,
        `  exit 1`,
        `fi`,
      );
    }
    const pending = venvFact.exists ? unsatisfied(args, venvFact) : args.name.map((entry) => ({ entry, why: 'new virtualenv' }));
    if (pending.length === 0 && commands.length === 0) return null;
    if (pending.length > 0) {
      for (const { entry, why } of pending) summary.push(`install ${entry} (${why})`);
      // the index URL may carry credentials: it goes through the environment, not argv
      if (args.index_url) commands.push(`export PIP_INDEX_URL=${shellQuote(args.index_url)}`);
      if (args.trusted_host) commands.push(`export PIP_TRUSTED_HOST=${shellQuote(args.trusted_host.join(' '))}`);
      commands.push(
        'export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore',
        `${venv}/bin/pip install -q ${args.extra_args ? `${args.extra_args} ` : ''}${pending.map(({ entry }) => shellQuote(entry)).join(' ')}`,
      );
      const paths = pending.map(({ entry }) => entry).filter(isHostPath);
      if (paths.length > 0) {
        commands.push(`mkdir -p ${venv}/${MARKER_DIR}`);
        for (const path of paths) {
          commands.push(`printf '%s' ${shellQuote(args.reinstall_on ?? '')} > ${venv}/${MARKER_DIR}/${pathMarkerName(path)}`);
        }
      }
    }
    return { summary, script: script(...commands) };
  },
});
