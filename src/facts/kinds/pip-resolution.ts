import { shellQuote } from '../../core/shell-quote.js';
import { HOST_PYTHON_SHELL, pipEnvironment, type PipSettings } from '../../wheels/host-pip.js';
import { parsePipReport, PipReportError, type PipResolution } from '../../wheels/pip-report.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

/**
 * what pip would install into a virtualenv (`pip install --dry-run --report`): which distributions
 * would be built from an sdist. Asked only when the virtualenv lacks something (it asks the index).
 */
export interface PipResolutionRequest extends PipSettings {
  /** requirements and host paths of projects (a path not there yet is left out) */
  requirements: string[];
}

export type PipResolutionFact = { resolution: PipResolution } | { unavailable: string };

declare module '../host-facts.js' {
  interface FactRequestShapes {
    pip_resolution: PipResolutionRequest;
  }
  interface HostFacts {
    /** pipResolutionKey(request) -> what pip would install */
    pipResolutions: Map<string, PipResolutionFact>;
  }
}

/** Never the index URL (it may carry credentials): the key is printed back in the facts output. */
export function pipResolutionKey(request: Pick<PipResolutionRequest, 'virtualenv' | 'requirements' | 'extra_args'>): string {
  return JSON.stringify([request.virtualenv, request.requirements, request.extra_args ?? '']);
}

// The dry run writes nothing that stays: no pip cache; the throwaway virtualenv and the report are in
// a directory removed at the end. Host paths not there yet (a source uploaded later) are left out.
const SHELL = `${HOST_PYTHON_SHELL}
cp_pipres() {
  cp_k=$1; cp_v=$2; cp_vc=$3; cp_x=$4; shift 4
  cp_t=$(mktemp -d) || { echo "@@pipres $cp_k unavailable $(printf 'not used (mktemp failed)' | cp_b64)"; return; }
  if ! cp_host_python "$cp_v" "$cp_t" "$cp_vc"; then
    echo "@@pipres $cp_k unavailable $(printf 'decided at apply (no Python with venv and pip on the host yet)' | cp_b64)"; rm -rf "$cp_t"; return
  fi
  cp_n=$#
  while [ "$cp_n" -gt 0 ]; do
    cp_a=$1; shift; cp_n=$((cp_n - 1))
    case $cp_a in /*) [ -e "$cp_a" ] || continue;; esac
    set -- "$@" "$cp_a"
  done
  if [ $# -eq 0 ]; then echo "@@pipres $cp_k ok $(printf '{"install":[]}' | cp_b64)"; rm -rf "$cp_t"; return; fi
  if PIP_NO_CACHE_DIR=1 "$cp_py" -m pip install --dry-run --quiet --report "$cp_t/report.json" $cp_x "$@" >/dev/null 2>"$cp_t/err"; then
    echo "@@pipres $cp_k ok $(cp_b64 < "$cp_t/report.json")"
  else
    echo "@@pipres $cp_k failed $(tail -n 5 "$cp_t/err" | cp_b64)"
  fi
  rm -rf "$cp_t"
}`;

/** pip's last word on why it failed, without a URL's user and password (pip hides only the password). */
function pipFailure(stderr: string): string {
  const last = stderr.trim().split('\n').at(-1)?.trim() || 'no message';
  return `not used (pip install --dry-run failed: ${last.replace(/:\/\/[^\s/@]*@/g, '://***@')})`;
}

export function parsePipResolutionRecord(fields: string[]): PipResolutionFact {
  const body = decodeText(fields[1]);
  if (fields[0] === 'failed') return { unavailable: pipFailure(body) };
  if (fields[0] !== 'ok') return { unavailable: body.trim() || 'not used' };
  try {
    return { resolution: parsePipReport(body) };
  } catch (error) {
    if (error instanceof PipReportError) return { unavailable: `not used (${error.message})` };
    throw error;
  }
}

export const pipResolutionKind: FactKind<'pip_resolution'> = {
  name: 'pip_resolution',
  shell: SHELL,
  key: pipResolutionKey,
  command: (request) => [
    // a subshell: the index and pip's settings stay with this request
    `(${pipEnvironment(request).join('; ')}; cp_pipres ${encodeKey(pipResolutionKey(request))} ${shellQuote(request.virtualenv)} ` +
      `${shellQuote(request.virtualenv_command)} ${shellQuote(request.extra_args ?? '')} ${request.requirements.map(shellQuote).join(' ')})`,
  ],
  records: {
    pipres(fields, facts) {
      facts.pipResolutions.set(decodeKey(fields[0]), parsePipResolutionRecord(fields.slice(1)));
    },
  },
  empty: () => ({ pipResolutions: new Map() }),
  missing: (request, facts) => (facts.pipResolutions.has(pipResolutionKey(request)) ? [] : [`what pip would install into ${request.virtualenv}`]),
};
