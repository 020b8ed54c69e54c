import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { controllerCacheDir } from '../core/cache-dir.js';
import lockfile from 'proper-lockfile';
import { normalizeDistName } from '../facts/kinds/venv.js';
import { packageNameSchema } from '../modules/lib/apt-get.js';
import type { WheelKey } from './wheel-key.js';

/** The controller's wheel cache: wheels/ in its cache directory (controllerCacheDir). */
export function wheelCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return join(controllerCacheDir(env, home), 'wheels');
}

/** A wheel file name as pip writes it: NAME-VERSION(-BUILD)?-PY-ABI-PLATFORM.whl, no path. */
const WHEEL_NAME = /^([A-Za-z0-9_.]+)-[A-Za-z0-9_.!+]+(-[A-Za-z0-9_.]+){3,4}\.whl$/;

/** The distribution a wheel file name is of (normalized), or undefined when it is no wheel's name. */
export function wheelProject(fileName: string): string | undefined {
  const match = WHEEL_NAME.exec(fileName);
  return match?.[1] ? normalizeDistName(match[1]) : undefined;
}

export interface CachedWheel {
  fileName: string;
  path: string;
  /** the Debian packages its libraries load (see WheelFile) */
  debianPackages: string[];
}

/** Beside each wheel: the Debian packages it needs, one per line. */
const PACKAGES_SUFFIX = '.debian-packages';

/** Ends this process's hold on a key's build lock. */
export type BuildLockRelease = () => Promise<void>;

/**
 * A build lock not refreshed for this long belongs to a run that died: another run may take it.
 * The holder refreshes it every few seconds while its build runs.
 */
const BUILD_LOCK_STALE_MS = 30_000;

/**
 * Wheels on the controller, one directory per key: DIR/PLATFORM/SHA256/NAME.whl. A wheel appears
 * there by a rename of a complete temporary file, so another clamprovision run reading at the same
 * time sees the whole wheel or none. While a run builds a key's wheel it holds the key's build
 * lock (DIR/PLATFORM/SHA256.lock, proper-lockfile's directory lock), so that clamprovision
 * processes started at the same time build each wheel once: the others wait for it.
 */
export class WheelCache {
  constructor(readonly dir: string) {}

  private keyDir(key: WheelKey): string {
    return join(this.dir, key.platform, key.sha256);
  }

  private lockOptions(key: WheelKey) {
    return { realpath: false, lockfilePath: `${this.keyDir(key)}.lock`, stale: BUILD_LOCK_STALE_MS };
  }

  /** Takes the key's build lock; undefined when another run holds it. */
  async tryLockBuild(key: WheelKey): Promise<BuildLockRelease | undefined> {
    mkdirSync(join(this.dir, key.platform), { recursive: true });
    try {
      const release = await lockfile.lock(this.keyDir(key), {
        ...this.lockOptions(key),
        // a lock taken over as stale (this run was stopped for 30 s): the build goes on, at worst
        // another run builds the same wheel too, and the rename keeps the cache whole
        onCompromised: () => undefined,
      });
      return () => release().catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
      throw error;
    }
  }

  /** Another run (or this one) builds the key's wheel now. */
  buildLocked(key: WheelKey): boolean {
    try {
      return lockfile.checkSync(this.keyDir(key), this.lockOptions(key));
    } catch {
      return false;
    }
  }

  /**
   * The key's wheel. One without its list of Debian packages (stored by a clamprovision that did not
   * record them) counts as absent: it is built again, and then has one.
   */
  find(key: WheelKey): CachedWheel | undefined {
    let names: string[];
    try {
      names = readdirSync(this.keyDir(key));
    } catch {
      return undefined;
    }
    const fileName = names.filter((name) => wheelProject(name) !== undefined && names.includes(name + PACKAGES_SUFFIX)).sort()[0];
    if (!fileName) return undefined;
    const path = join(this.keyDir(key), fileName);
    // they go into hosts' scripts: package names only, whatever the file says
    const debianPackages = readFileSync(path + PACKAGES_SUFFIX, 'utf8')
      .split('\n')
      .filter((name) => packageNameSchema.safeParse(name).success);
    return { fileName, path, debianPackages };
  }

  read(wheel: CachedWheel): Buffer {
    return readFileSync(wheel.path);
  }

  /**
   * Stores a wheel built for key (fileName must be a wheel's name of the project the key was built
   * from) and the Debian packages it needs: the list first, so that a reader who sees the wheel
   * sees its list.
   */
  store(key: WheelKey, project: string, fileName: string, content: Buffer, debianPackages: string[] = []): CachedWheel {
    if (wheelProject(fileName) !== normalizeDistName(project)) {
      throw new Error(`the build gave ${JSON.stringify(fileName)}, not a wheel of ${project}`);
    }
    const dir = this.keyDir(key);
    mkdirSync(dir, { recursive: true });
    writeByRename(join(dir, fileName + PACKAGES_SUFFIX), debianPackages.map((name) => `${name}\n`).join(''));
    writeByRename(join(dir, fileName), content);
    return { fileName, path: join(dir, fileName), debianPackages };
  }
}

/** Writes a temporary file beside path and renames it into place: readers see the whole file or none. */
function writeByRename(path: string, content: Buffer | string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, content, { mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
