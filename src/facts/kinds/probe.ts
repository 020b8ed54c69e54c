import type { FactKind } from '../kind.js';
import { decodeKey, encodeKey } from '../protocol.js';

/** a read-only shell command whose exit code is recorded (for command's `unless`). */
export interface ProbeRequest {
  command: string;
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    probe: ProbeRequest;
  }
  interface HostFacts {
    /** probe command -> exit code */
    probes: Map<string, number>;
  }
}

/** Seconds a probe (command's `unless`) may run before it counts as failed. */
const PROBE_TIMEOUT_SECONDS = 120;
const PROBE_END = 'CLAMPROVISION_PROBE_END';

export const probeKind: FactKind<'probe'> = {
  name: 'probe',
  key: (request) => request.command,
  command(request) {
    if (request.command.split('\n').includes(PROBE_END)) throw new Error(`a probe command may not contain a line "${PROBE_END}"`);
    // the command goes in on stdin, never in argv (it may hold a secret)
    return [
      `timeout ${PROBE_TIMEOUT_SECONDS} sh -s >/dev/null 2>&1 <<'${PROBE_END}'`,
      request.command,
      PROBE_END,
      `echo "@@probe ${encodeKey(request.command)} $?"`,
    ];
  },
  records: {
    probe(fields, facts) {
      facts.probes.set(decodeKey(fields[0]), Number(fields[1] ?? 255));
    },
  },
  empty: () => ({ probes: new Map() }),
  missing: (request, facts) => (facts.probes.has(request.command) ? [] : [`probe ${request.command}`]),
};
