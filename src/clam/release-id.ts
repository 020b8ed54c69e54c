import { createHash } from 'node:crypto';
import { shellQuote } from '../core/shell-quote.js';

/** What goes into a service's release: its uploaded code and what its virtualenv is built from. */
export interface ReleaseInputs {
  source_digest: string | null;
  venv_packages: string[];
  source_is_package: boolean;
}

/**
 * The release's name on the host: a digest of its inputs, so the same code and packages are the same
 * release (a second apply deploys nothing; an apply of earlier code switches back to its release)
 * and the plan can name it before it exists.
 */
export function releaseId(inputs: ReleaseInputs): string {
  const digest = createHash('sha256').update(JSON.stringify([inputs.source_digest, inputs.venv_packages, inputs.source_is_package])).digest('hex');
  return digest.slice(0, 12);
}

export interface VerifyInputs {
  /** the WSGI script as the service runs it (under src_dir when it comes from the source) */
  wsgi: string;
  src_dir: string;
  /** the virtualenv runs uWSGI */
  uwsgi: boolean;
  is_clam: boolean;
}

/**
 * The check a new release passes before the switch ($RELEASE is its directory): its Python runs,
 * uWSGI is installed where the service needs it, CLAM imports, and the WSGI script of the release
 * compiles. What only a running service can show is the health check's, after the switch.
 */
export function releaseVerify(inputs: VerifyInputs): string {
  const python = '"$RELEASE/venv/bin/python"';
  const lines = [`${python} -c 'import sys' || exit 1`];
  if (inputs.uwsgi) lines.push(`test -x "$RELEASE/venv/bin/uwsgi" || { echo "uWSGI is not installed in $RELEASE/venv" >&2; exit 1; }`);
  if (inputs.is_clam) lines.push(`${python} -c 'import clam.clamservice' || exit 1`);
  const prefix = `${inputs.src_dir}/`;
  if (inputs.wsgi.startsWith(prefix)) {
    const script = `"$RELEASE/src/"${shellQuote(inputs.wsgi.slice(prefix.length))}`;
    lines.push(`${python} -c 'import sys; path = sys.argv[1]; compile(open(path, "rb").read(), path, "exec")' ${script} || exit 1`);
  }
  return lines.join('\n');
}
