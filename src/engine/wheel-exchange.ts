import { describeScriptFailure } from '../modules/lib/service-logs.js';
import type { RemoteHost } from '../transport/remote-host.js';
import { buildWheelScript, parseBuiltWheels, uploadWheelsScript } from '../wheels/host-scripts.js';
import { OTHER_RUN, type WheelBroker } from '../wheels/wheel-broker.js';
import { wheelProject, type CachedWheel } from '../wheels/wheel-cache.js';
import type { WheelNeed, WheelWork } from '../wheels/wheel-plan.js';

export interface WheelExchangeContext {
  remote: RemoteHost;
  broker: WheelBroker;
  /** the host's name: the builder others wait for */
  host: string;
  step(text: string): void;
}

/** The builds a planned install makes on this host: claimed at once, so that the other hosts wait for them. */
export function claimWheelBuilds(work: WheelWork, broker: WheelBroker, host: string): void {
  for (const need of work.needs) if (need.via === 'build') broker.claim(need.key, host);
}

/**
 * Builds a wheel this host claimed and keeps it on the controller; 'cached' when another clamprovision
 * run built it meanwhile (this run waited for it): then it is to be uploaded like a cached one.
 */
async function buildHere(need: WheelNeed, work: WheelWork, context: WheelExchangeContext): Promise<'built' | 'cached'> {
  const { broker, remote } = context;
  let built = false;
  const lock = await broker.lockBuild(need.key, () =>
    context.step(`waiting for ${OTHER_RUN} to build the wheel of ${need.name}==${need.version}`),
  );
  if (lock === 'cached') {
    broker.settle(need.key, true);
    return 'cached';
  }
  context.step(`building the wheel of ${need.name}==${need.version} (once for ${need.key.platform})`);
  try {
    const outcome = await remote.run(buildWheelScript(need, work.pip));
    if (outcome.code !== 0) throw new Error(`building the wheel of ${need.name}==${need.version} failed: ${describeScriptFailure(outcome)}`);
    const wheels = parseBuiltWheels(outcome.stdout).filter((wheel) => wheelProject(wheel.fileName) === need.name);
    if (wheels.length !== 1) throw new Error(`building the wheel of ${need.name}==${need.version} gave ${wheels.length} wheels of it, not one`);
    broker.cache.store(need.key, need.name, wheels[0]!.fileName, wheels[0]!.content, wheels[0]!.debianPackages);
    built = true;
    return 'built';
  } finally {
    await lock();
    broker.settle(need.key, built);
  }
}

/**
 * Brings the wheels of a planned pip install to the host before it runs: builds the ones this host
 * claimed (first, so that no two hosts wait for each other) and keeps them on the controller; waits
 * for those another host or run builds; uploads the cached ones. A wheel whose build failed
 * elsewhere, or that left the cache, is built here.
 */
export async function bringWheels(work: WheelWork, context: WheelExchangeContext): Promise<void> {
  const { broker } = context;
  const builds = work.needs.filter((need) => need.via === 'build');
  const fromCache: WheelNeed[] = work.needs.filter((n) => n.via !== 'build');
  try {
    for (const need of builds) if ((await buildHere(need, work, context)) === 'cached') fromCache.push(need);
  } finally {
    // a claim this host did not get to must not keep the others waiting
    for (const need of builds) if (broker.state(need.key).kind === 'building') broker.settle(need.key, false);
  }
  const uploads: CachedWheel[] = [];
  for (const need of fromCache) {
    for (;;) {
      const state = broker.state(need.key);
      if (state.kind === 'building') {
        context.step(`waiting for ${state.builder} to build the wheel of ${need.name}==${need.version}`);
        await broker.waitFor(need.key);
        continue;
      }
      const cached = broker.cache.find(need.key);
      if (cached) {
        uploads.push(cached);
        break;
      }
      broker.claim(need.key, context.host);
      if ((await buildHere(need, work, context)) === 'built') break;
    }
  }
  if (uploads.length === 0) return;
  const libraries = [...new Set(uploads.flatMap((w) => w.debianPackages))];
  context.step(
    `uploading ${uploads.map((w) => w.fileName).join(', ')} from the controller's wheel cache` +
      (libraries.length > 0 ? ` (the packages of its libraries installed where missing: ${libraries.join(', ')})` : ''),
  );
  // read when its turn comes: a host waiting for a slot holds no copy of the wheel
  const outcome = await broker.uploadSlot(() =>
    context.remote.run(uploadWheelsScript(uploads.map((wheel) => ({ fileName: wheel.fileName, content: broker.cache.read(wheel), debianPackages: wheel.debianPackages })), work.aptUpdate)),
  );
  if (outcome.code !== 0) throw new Error(`uploading wheels failed: ${describeScriptFailure(outcome)}`);
}
