/**
 * CLAM services that cannot start, on one fresh bookworm host with nginx: the host's error says why
 * — the service's own log, the exception and a hint — on the apply that (re)starts it and on the
 * next one, never systemctl's "Created symlink …"/"See "systemctl status …"" or a bare HTTP 502.
 * The missing library is made by removing libxslt's .so files from the host after a first
 * deployment (apt would not remove libxslt1.1 cleanly, and the playbook installs it).
 */
import test, { type ExecutionContext } from 'ava';
import { labAvailable, labHosts, labUnavailableReason, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { shout, shoutCopy } from './clam-suite.js';
import { apply, explain, httpGet, onHost, writeInventory, type CliRun } from './helpers.js';

const HOST = 'e2e-clam-failures';
let host: LabHost;

const serial = labAvailable ? test.serial : test.skip;
if (!labAvailable) test.skip(labUnavailableReason, () => {});

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([HOST]);
});

test.before(async () => {
  if (!labAvailable) return;
  host = (await labHosts([HOST], { fresh: true }))[0]!;
});

/** An inventory of this host with these services; nginx's own XSLT filter links libxslt too, so it is off: only the service lacks the library. */
function inventory(services: Array<Record<string, unknown>>): string {
  return writeInventory([host], { webserver: 'nginx', server_name: host.address, server_side_xslt: false, services });
}

function hostError(run: CliRun): string {
  return run.report?.hosts[0]?.error ?? '';
}

function causeOf(error: string): string | undefined {
  return /^cause: (.*)$/m.exec(error)?.[1];
}

const LIBXSLT_CAUSE = 'ImportError: libxslt.so.1: cannot open shared object file: No such file or directory';

/** The host failed, and its error names the library, its package and how to install it, without systemctl's chatter. */
function failsForLibxslt(t: ExecutionContext, run: CliRun): string {
  t.is(run.code, 3, explain(run));
  const error = hostError(run);
  t.is(run.report?.hosts[0]?.status, 'failed');
  t.regex(error, /clam-shout did not (re)?start: it is /, error);
  t.true(error.includes("clam-shout's journal, last lines:\n"), error);
  t.is(causeOf(error), LIBXSLT_CAUSE, error);
  t.true(error.includes('libxslt.so.1 is missing on the host; it comes with the Debian package libxslt1.1: install it with apt_packages: [libxslt1.1]'), error);
  t.false(error.includes('Created symlink'), error);
  t.false(error.includes('See "systemctl status'), error);
  t.false(error.includes('Job for '), error);
  return error;
}

serial('a library missing on the host: the restart fails naming libxslt.so.1 and libxslt1.1; so does the next apply; after reinstalling it apply passes', async (t) => {
  const deployed = await apply(inventory([shout('shout', '/shout', { env: { SHOUT_DEPLOYMENT: 'first' } })]));
  t.is(deployed.code, 0, explain(deployed));

  await onHost(host, 'rm -f /usr/lib/x86_64-linux-gnu/libxslt.so.1*');
  // a new env value restarts the service, which now cannot import lxml
  const changed = inventory([shout('shout', '/shout', { env: { SHOUT_DEPLOYMENT: 'second' } })]);
  const restarted = await apply(changed);
  const first = failsForLibxslt(t, restarted);
  t.regex(first, /^task 'restart clam-shout' failed: clam-shout did not restart: /);

  // nothing changed since: the unit is retried by systemd ("activating (auto-restart)"), not "ok"
  const again = await apply(changed);
  const second = failsForLibxslt(t, again);
  t.is(causeOf(second), causeOf(first), 'the same cause, not a bare HTTP 502');

  await onHost(host, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall libxslt1.1 >/dev/null');
  const fixed = await apply(changed);
  t.is(fixed.code, 0, explain(fixed));
  t.is((await httpGet(`http://${host.address}/shout/`, 10_000, { Accept: 'application/xml' })).status, 200);
});

serial('a WSGI script that raises: exit 3, the error holds the exception (a secret in it masked)', async (t) => {
  const token = 'tok-7c1f0e9a3b5d2468';
  const source = shoutCopy({ 'shout.wsgi': (wsgi) => `raise RuntimeError("boom from the wsgi: " + __import__("os").environ["BOOM_TOKEN"])\n${wsgi}` });
  const result = await apply(inventory([shout('boom', '/boom', { source, env: { BOOM_TOKEN: token }, secrets: ['BOOM_TOKEN'] })]));
  t.is(result.code, 3, explain(result));
  const error = hostError(result);
  t.regex(error, /^task 'Start clam-boom at boot and now' failed: clam-boom did not start: it is /, error);
  t.true(error.includes('RuntimeError: boom from the wsgi'), error);
  t.is(causeOf(error), 'RuntimeError: boom from the wsgi: ********');
  t.false(error.includes('Created symlink'), error);
  t.false(error.includes('See "systemctl status'), error);
  t.false(result.stdout.includes(token) || result.stderr.includes(token), 'the secret is masked in every output');
});
