import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HostFacts, VenvFact } from '../facts/types.js';
import { pipResolutionKey, type PipResolutionRequest } from '../facts/kinds/pip-resolution.js';
import { NEW_VENV_SHELL, pipEnvironment, type PipSettings } from '../wheels/host-pip.js';
import { HOST_WHEEL_DIRECTORY } from '../wheels/host-scripts.js';
import { describeWheelSource, planWheels, type WheelNeed } from '../wheels/wheel-plan.js';
import type { PipResolution } from '../wheels/pip-report.js';
import { defineModule } from './types.js';
import { DEFAULT_CACHE_VALID_TIME, DEFAULT_LOCK_TIMEOUT, installMissingPackages, noteUpdatePlanned, packageOf, planPackageInstall, type PackageInstallPlan } from './lib/apt-get.js';
import { buildPackagesFor, buildPackagesSchema, everyBuildPackage } from './lib/build-packages.js';
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
  /**
   * Debian packages a build from source needs ([python3-dev, gcc, libc6-dev], or by distribution:
   * {'*': [...], lxml: [libxml2-dev, libxslt1-dev]}): installed, when missing, on a host that
   * compiles, right before it does; a host that installs only wheels never gets them
   */
  build_packages: buildPackagesSchema.optional(),
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

function pending(args: PipArgs, venvFact: VenvFact): { entry: string; why: string }[] {
  return venvFact.exists ? unsatisfied(args, venvFact) : args.name.map((entry) => ({ entry, why: 'new virtualenv' }));
}

/** The dry run that tells which of the pending entries (and their dependencies) pip would build. */
function resolutionRequest(args: PipArgs, entries: string[]): PipResolutionRequest {
  return { ...pipSettings(args), requirements: entries };
}

function pipSettings(args: PipArgs): PipSettings {
  return {
    virtualenv: args.virtualenv,
    virtualenv_command: args.virtualenv_command,
    ...(args.index_url ? { index_url: args.index_url } : {}),
    ...(args.trusted_host ? { trusted_host: args.trusted_host } : {}),
    ...(args.extra_args ? { extra_args: args.extra_args } : {}),
  };
}

/**
 * The wheels this host gets from the controller's cache or builds for it, and the summary lines:
 * "install uwsgi==2.0.21 (new virtualenv; build wheel, then cache)".
 */
function wheelLines(pendingEntries: { entry: string; why: string }[], needs: WheelNeed[]): string[] {
  const unmatched = new Set(needs);
  const lines = pendingEntries.map(({ entry, why }) => {
    const need = isHostPath(entry) ? undefined : needs.find((n) => n.name === parseRequirement(entry).name);
    if (!need) return `install ${entry} (${why})`;
    unmatched.delete(need);
    return `install ${need.name}==${need.version} (${why}; ${describeWheelSource(need)})`;
  });
  for (const need of unmatched) lines.push(`install ${need.name}==${need.version} (a dependency; ${describeWheelSource(need)})`);
  return lines;
}

/** What pip would install here (its dry run), or why the host could not tell; undefined when not asked. */
function resolutionFact(args: PipArgs, facts: HostFacts, entries: string[]) {
  return facts.pipResolutions?.get(pipResolutionKey(resolutionRequest(args, entries)));
}

/**
 * What this host compiles for the install: the wheels it builds for the cache (a build script of
 * their own, run first) and the sdists pip builds in the install itself (those the cache cannot
 * key, or all of them without a cache); 'unknown' when pip could not tell.
 */
type Compiles = { wheels: WheelNeed[]; inInstall: string[] } | 'unknown';

function compilesHere(resolution: PipResolution | undefined, needs: WheelNeed[], cached: boolean): Compiles {
  if (!resolution) return 'unknown';
  const sdists = resolution.install.filter((distribution) => distribution.source === 'sdist');
  return {
    wheels: needs.filter((need) => need.via === 'build'),
    inInstall: sdists.filter((distribution) => !cached || !distribution.sha256).map((distribution) => distribution.name),
  };
}

interface BuildPackagesPlan {
  summary: string[];
  /** sh for the install script: what pip's own builds need */
  install: string[];
  /** the needs, each with what its build would install first (also a wheel another host was to build) */
  needs: WheelNeed[];
}

/**
 * The build packages this host installs, and when: a build script installs what its wheel needs
 * first; the install script what pip's own builds need (all of them when pip could not tell).
 * "install python3-dev, gcc first (to compile uwsgi, lxml)".
 */
function planBuildPackages(args: PipArgs, facts: HostFacts, compiles: Compiles, needs: WheelNeed[]): BuildPackagesPlan {
  if (!args.build_packages) return { summary: [], install: [], needs };
  const config = args.build_packages;
  const plan = (packages: string[]): PackageInstallPlan => planPackageInstall(facts, packages, { cacheValidTime: DEFAULT_CACHE_VALID_TIME });
  const withPackages = needs.map((need) => ({ ...need, buildPackages: plan(buildPackagesFor(config, [need.name])) }));
  const inInstall = compiles === 'unknown' ? everyBuildPackage(config) : compiles.inInstall.length > 0 ? buildPackagesFor(config, compiles.inInstall) : [];
  const compiled = compiles === 'unknown' ? [] : [...new Set([...compiles.wheels.map((need) => need.name), ...compiles.inInstall])];
  const shown = plan(compiles === 'unknown' ? inInstall : buildPackagesFor(config, compiled));
  const summary: string[] = [];
  if (shown.missing.length > 0 && (compiles === 'unknown' || compiled.length > 0)) {
    if (shown.update) summary.push(`update the apt lists (${shown.update})`);
    summary.push(`install ${shown.missing.join(', ')} first (${compiles === 'unknown' ? 'pip may compile from source' : `to compile ${compiled.join(', ')}`})`);
  }
  const install = inInstall.length > 0 ? installMissingPackages(plan(inInstall), DEFAULT_LOCK_TIMEOUT) : [];
  // computed above on the facts as read: only now may the later tasks count on this task's update
  if (shown.update && summary.length > 0) noteUpdatePlanned(facts);
  return { summary, install, needs: withPackages };
}

export const pip = defineModule({
  name: 'pip',
  schema,
  facts: (args) => [{ kind: 'venv', path: args.virtualenv }],
  // read only when the virtualenv lacks something: a no-op run asks apt-cache nothing about compilers
  lateFacts(args, facts) {
    const venvFact = facts.venvs.get(args.virtualenv);
    const entries = venvFact ? pending(args, venvFact).map(({ entry }) => entry) : [];
    if (entries.length === 0) return [];
    const buildPackages = args.build_packages ? everyBuildPackage(args.build_packages).map(packageOf) : [];
    return [{ kind: 'pip_resolution', ...resolutionRequest(args, entries) }, ...(buildPackages.length > 0 ? [{ kind: 'packages' as const, names: buildPackages }] : [])];
  },
  plan(args, facts, context) {
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
        NEW_VENV_SHELL,
        `cp_new_venv ${venv} ${shellQuote(args.virtualenv_command)} || exit 1`,
      );
    }
    const toInstall = pending(args, venvFact);
    if (toInstall.length === 0 && commands.length === 0) return null;
    let needs: WheelNeed[] = [];
    if (toInstall.length > 0) {
      const fact = resolutionFact(args, facts, toInstall.map(({ entry }) => entry));
      const resolution = fact && 'resolution' in fact ? fact.resolution : undefined;
      const wheelNeeds = resolution && context.wheelState ? planWheels(resolution, facts.os, context.wheelState) : [];
      const buildPackages = planBuildPackages(args, facts, compilesHere(resolution, wheelNeeds, context.wheelState !== undefined), wheelNeeds);
      needs = buildPackages.needs;
      summary.push(...buildPackages.summary, ...wheelLines(toInstall, needs));
      if (context.wheelState && fact && 'unavailable' in fact) summary.push(`wheel cache: ${fact.unavailable}`);
      commands.push(...buildPackages.install, ...pipEnvironment(args));
      // pip takes a wheel over the sdist of the same version: the wheels the engine brought
      if (needs.length > 0) commands.push(HOST_WHEEL_DIRECTORY, 'export PIP_FIND_LINKS="$cp_wheels"');
      // $cp_pip_wheels: pip and setuptools when cp_new_venv unpacked them (one path a line, no spaces)
      commands.push(`${venv}/bin/python -m pip install -q ${args.extra_args ? `${args.extra_args} ` : ''}\${cp_pip_wheels:-} ${toInstall.map(({ entry }) => shellQuote(entry)).join(' ')}`);
      if (needs.length > 0) commands.push('rm -rf -- "$cp_wheels"');
      const paths = toInstall.map(({ entry }) => entry).filter(isHostPath);
      if (paths.length > 0) {
        commands.push(`mkdir -p ${venv}/${MARKER_DIR}`);
        for (const path of paths) {
          commands.push(`printf '%s' ${shellQuote(args.reinstall_on ?? '')} > ${venv}/${MARKER_DIR}/${pathMarkerName(path)}`);
        }
      }
    }
    if (needs.length === 0) return { summary, script: script(...commands) };
    // a wheel from the cache may need a library its builder had (uWSGI: libpython3.X): unknown until it is uploaded
    const { update } = planPackageInstall(facts, [], { cacheValidTime: DEFAULT_CACHE_VALID_TIME, updateCache: true });
    return { summary, script: script(...commands), wheels: { needs, pip: pipSettings(args), ...(update ? { aptUpdate: update } : {}) } };
  },
});
