import type { WheelCache } from './wheel-cache.js';
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

/**
 * The wheel cache as the hosts of one run share it: the first host that needs a wheel nobody has
 * claims its build; the others wait for that build instead of compiling it too. A failed build
 * releases the claim, so a waiting host builds it itself.
 */
export class WheelBroker {
  private readonly builds = new Map<string, Build>();

  constructor(readonly cache: WheelCache) {}

  state(key: WheelKey): WheelState {
    if (this.cache.find(key)) return { kind: 'cached' };
    const build = this.builds.get(keyText(key));
    return build && !build.failed ? { kind: 'building', builder: build.builder } : { kind: 'absent' };
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

  /** Waits for the build of key that another host claimed; true when the wheel is now cached. */
  async waitFor(key: WheelKey): Promise<boolean> {
    const build = this.builds.get(keyText(key));
    return build ? build.done : this.cache.find(key) !== undefined;
  }
}
