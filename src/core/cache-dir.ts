import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The controller's cache directory: $CLAMPROVISION_CACHE_DIR, else
 * ${XDG_CACHE_HOME:-~/.cache}/clamprovision (wheels/, yaml/ below it).
 */
export function controllerCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.CLAMPROVISION_CACHE_DIR) return env.CLAMPROVISION_CACHE_DIR;
  // the XDG base directory spec: a relative XDG_CACHE_HOME is invalid and ignored
  const xdg = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(xdg, 'clamprovision');
}
