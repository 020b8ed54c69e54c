import type { FactRequest, HostFacts } from './host-facts.js';
import type { RecordParser } from './kind.js';
import { factKinds, kindOf } from './kinds/index.js';
import { emptyPreludeFacts, PRELUDE_RECORDS } from './prelude.js';
import { FACTS_HEADER, FACTS_PROTOCOL_VERSION, FactsError } from './protocol.js';

export { FactsError };

/** The records that frame the output (protocol.ts). */
const HEADER = FACTS_HEADER;
const END = 'end';

/** Record name -> its parser, from the prelude and every kind (a name owned twice is a bug). */
const RECORD_PARSERS: ReadonlyMap<string, RecordParser> = (() => {
  const parsers = new Map<string, RecordParser>(Object.entries(PRELUDE_RECORDS));
  for (const kind of factKinds) {
    for (const [name, parser] of Object.entries(kind.records)) {
      if (parsers.has(name) || name === HEADER || name === END) throw new Error(`internal error: the facts record @@${name} is parsed twice (fact kind ${kind.name})`);
      parsers.set(name, parser);
    }
  }
  return parsers;
})();

/** Facts that hold nothing yet: the prelude's defaults and every kind's empty slot. */
export function emptyFacts(): HostFacts {
  // each kind fills its own slot of HostFacts (kinds/index.ts), so the sum is the whole
  return Object.assign(emptyPreludeFacts(), ...factKinds.map((kind) => kind.empty())) as HostFacts;
}

/**
 * Parses the output of buildFactsScript(requests). Throws FactsError when it is not such output, or
 * (given the requests) when a requested fact is missing from it.
 */
export function parseFactsOutput(output: string, requests?: readonly FactRequest[]): HostFacts {
  const facts = emptyFacts();
  let sawHeader = false;
  let sawEnd = false;
  for (const line of output.split('\n')) {
    if (!line.startsWith('@@')) continue;
    const [name = '', ...fields] = line.slice(2).trimEnd().split(' ');
    if (name === HEADER) {
      if (fields[0] !== String(FACTS_PROTOCOL_VERSION)) {
        throw new FactsError(`facts output has protocol version ${fields[0] ?? '?'}, expected ${FACTS_PROTOCOL_VERSION}`);
      }
      sawHeader = true;
    } else if (name === END) {
      sawEnd = true;
    } else {
      // an unknown record from a newer script: ignored
      RECORD_PARSERS.get(name)?.(fields, facts);
    }
  }
  if (!sawHeader) throw new FactsError('the facts command printed no facts (is /bin/sh a POSIX shell with coreutils?)');
  if (!sawEnd) throw new FactsError('the facts command stopped before its end (output truncated?)');
  if (requests) assertComplete(facts, requests);
  return facts;
}

function assertComplete(facts: HostFacts, requests: readonly FactRequest[]): void {
  const missing = requests.flatMap((request) => kindOf(request).missing(request, facts));
  if (missing.length > 0) throw new FactsError(`the facts output lacks: ${missing.join(', ')}`);
}
