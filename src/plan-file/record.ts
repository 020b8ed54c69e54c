import { TOOL_VERSION } from '../core/tool-version.js';
import type { HostFacts } from '../facts/types.js';
import { summarize, type HostResult, type RunGuard } from '../engine/results.js';
import { jsonHost } from '../report/json.js';
import { factsFingerprint, type FactsFingerprint } from './fingerprint.js';
import { PLAN_FORMAT_VERSION, type PlanBody, type SavedPlan } from './format.js';
import { PLAN_FORMAT } from './marker.js';
import type { InputHash } from './inputs.js';

/** `plan --out`: takes each host's facts fingerprint as the engine reads them, then makes the plan's body. */
export class PlanRecorder implements RunGuard {
  private readonly fingerprints = new Map<string, FactsFingerprint>();

  facts(host: string, facts: HostFacts): undefined {
    this.fingerprints.set(host, factsFingerprint(facts));
  }

  decision(): undefined {}

  /** The plan of a run whose every host was planned (none failed or unreachable). */
  body(options: SavedPlan['options'], inputs: InputHash[], results: HostResult[]): PlanBody {
    return {
      format: PLAN_FORMAT,
      formatVersion: PLAN_FORMAT_VERSION,
      tool: { name: 'clamprovision', version: TOOL_VERSION },
      createdAt: new Date().toISOString(),
      options,
      inputs,
      hosts: results.map((result) => {
        const facts = this.fingerprints.get(result.name);
        if (!facts || (result.status !== 'ok' && result.status !== 'changed')) throw new Error(`internal error: host ${result.name} has no plan to save`);
        return { ...jsonHost(result), status: result.status, facts };
      }),
      summary: summarize(results),
    };
  }
}
