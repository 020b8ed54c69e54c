import { z } from 'zod';
import { normalizeDistName } from '../../facts/kinds/venv.js';
import { packageNameSchema } from './apt-get.js';

/** The key of the packages every build needs. */
const EVERY_BUILD = '*';

/** A distribution's name as PEP 508 has it. */
const distributionName = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'not a Python distribution name');

/**
 * The Debian packages a build from source needs (pip's build_packages): a list for every build, or
 * lists by distribution with '*' for every build: {'*': [python3-dev, gcc], lxml: [libxml2-dev]}.
 * Given as [distribution (normalized) or '*', packages] pairs.
 */
export const buildPackagesSchema = z
  .union([z.array(packageNameSchema), z.record(z.union([z.literal(EVERY_BUILD), distributionName]), z.array(packageNameSchema))])
  .transform((value): [string, string[]][] =>
    Array.isArray(value) ? [[EVERY_BUILD, value]] : Object.entries(value).map(([name, packages]) => [name === EVERY_BUILD ? name : normalizeDistName(name), packages]),
  );

export type BuildPackages = z.output<typeof buildPackagesSchema>;

function unique(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/** What building these distributions (normalized names) needs. */
export function buildPackagesFor(config: BuildPackages, distributions: string[]): string[] {
  return unique(config.filter(([name]) => name === EVERY_BUILD || distributions.includes(name)).map(([, packages]) => packages));
}

/** What a build of any of them may need: for a host where it is not known what pip builds. */
export function everyBuildPackage(config: BuildPackages): string[] {
  return unique(config.map(([, packages]) => packages));
}
