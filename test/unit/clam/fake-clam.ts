/**
 * For running here the Python that clamprovision puts on a host: a stand-in for CLAM (a package of
 * two files), and a runner that leaves the event loop free, so that a test's HTTP server can answer
 * the process it runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { tempTree } from '../input/temp-files.js';

/** python3 on PATH: tests that run Python are registered as skipped without it. */
export const hasPython3 = spawnSync('python3', ['--version']).status === 0;

const CLAMSERVICE = `import json
import os


def run_wsgi(settings):
    """Like CLAM's: the settings module in, a WSGI application out. This one answers with what it got."""
    def application(environ, start_response):
        report = {name: getattr(settings, name, None) for name in ("SYSTEM_ID", "SECRET_KEY", "PRIVATEACCESSTOKEN", "URLPREFIX")}
        report["environ"] = {name: os.environ.get(name) for name in ("CLAMFORCEURL", "CONFIGFILE", "CLAM_ROOT")}
        body = json.dumps(report).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return application
`;

/**
 * A directory to put on PYTHONPATH that holds a package `clam` whose `clam.clamservice.run_wsgi(settings)`
 * returns a WSGI application answering with JSON: the settings module's SYSTEM_ID, SECRET_KEY,
 * PRIVATEACCESSTOKEN and URLPREFIX, and CLAMFORCEURL, CONFIGFILE and CLAM_ROOT from os.environ.
 */
export function fakeClam(): string {
  return tempTree({ 'clam/__init__.py': '', 'clam/clamservice.py': CLAMSERVICE });
}

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end without blocking the event loop; `input` goes to its stdin. */
export function run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
