import picocolors from 'picocolors';

/**
 * Colours only for a terminal: picocolors alone also turns them on whenever CI is set,
 * which puts escape codes into CI logs and into output that scripts read.
 * NO_COLOR (https://no-color.org) turns them off, FORCE_COLOR on.
 */
export function colorsWanted(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return isTTY && env.TERM !== 'dumb';
}

export const pc = picocolors.createColors(colorsWanted(process.env, process.stdout.isTTY === true));
