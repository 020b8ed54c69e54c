import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildLockRelease, WheelCache } from './wheel-cache.js';
import { keyText, type WheelKey } from './wheel-key.js';

/** Where a wheel is, for the host that asks. */
export type WheelState =
  | { kind: 'cached' }
  /** another host of this run builds it (or, in a plan, would build it) */
  | { kind: 'building'; builder: string }
  | { kind: 'absent' };

interface Build {
  builder: string;
  /** true once the wheel is in the cache, false when its build failed */
  done: Promise<boolean>;
  settle(built: boolean): void;
  failed: boolean;
}

/** Wheel uploads from the controller's cache that run at the same time (WheelBroker.uploadSlot). */
export const UPLOADS_AT_ONCE = 4;

/** How the builder of a wheel another clamprovision process builds is named. */
export const OTHER_RUN = 'another clamprovision run';

/**
 * The wheel cache as the hosts of one run share it: the first host that needs a wheel nobody has
 * claims its build; the others wait for that build instead of compiling it too. A failed build
 * releases the claim, so a waiting host builds it itself. Across processes the cache's build lock
 * does the same: a build another run holds is waited for.
 */
export class WheelBroker {
  private readonly builds = new Map<string, Build>();
  /**
   * Uploads from the cache that run at once: a wheel goes to a host as a script several times its
   * size (read, base64, the script, the channel's copy), and every host that waited for its builder
   * uploads in the same second: fifty at once took the controller past 230 MB.
   */
  readonly uploadSlot = pLimit(UPLOADS_AT_ONCE);

  /** pollMs: how often a wait on another process looks at the cache again */
  constructor(
    readonly cache: WheelCache,
    private readonly pollMs = 1000,
  ) {}

  state(key: WheelKey): WheelState {
    if (this.cache.find(key)) return { kind: 'cached' };
    const build = this.builds.get(keyText(key));
    if (build && !build.failed) return { kind: 'building', builder: build.builder };
    return this.cache.buildLocked(key) ? { kind: 'building', builder: OTHER_RUN } : { kind: 'absent' };
  }

  /**
   * Before a claimed build runs: takes the cache's build lock for it, waiting (onWait is told once)
   * while another process holds it. 'cached' when the wheel is in the cache by then: nothing to build.
   */
  async lockBuild(key: WheelKey, onWait: () => void): Promise<BuildLockRelease | 'cached'> {
    let told = false;
    for (;;) {
      if (this.cache.find(key)) return 'cached';
      const release = await this.cache.tryLockBuild(key);
      if (release) {
        // the other process may have stored it just before it let go
        if (!this.cache.find(key)) return release;
        await release();
        return 'cached';
      }
      if (!told) onWait();
      told = true;
      await sleep(this.pollMs);
    }
  }

  /** The host will build this wheel (in a plan: would build it). */
  claim(key: WheelKey, builder: string): void {
    let resolve!: (built: boolean) => void;
    const done = new Promise<boolean>((r) => (resolve = r));
    const build: Build = {
      builder,
      done,
      failed: false,
      settle: (built) => {
        build.failed = !built;
        resolve(built);
      },
    };
    this.builds.set(keyText(key), build);
  }

  /** The claimed build ended: the wheel is in the cache (built) or not. */
  settle(key: WheelKey, built: boolean): void {
    this.builds.get(keyText(key))?.settle(built);
  }

  /** Waits for the build of key that another host (or process) claimed; true when the wheel is now cached. */
  async waitFor(key: WheelKey): Promise<boolean> {
    const build = this.builds.get(keyText(key));
    if (build) return build.done;
    while (!this.cache.find(key) && this.cache.buildLocked(key)) await sleep(this.pollMs);
    return this.cache.find(key) !== undefined;
  }
}
