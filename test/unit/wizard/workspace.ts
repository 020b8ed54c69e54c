import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckServer, ConnectionCheck } from '../../../src/wizard/connection-check.js';
import type { InitDeps } from '../../../src/wizard/init-options.js';
import type { Terminal } from '../../../src/wizard/prompts.js';
import { testTempDir } from '../../helpers/temp-dir.js';

export const HELLO_WSGI = `def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]
`;

export const CLAM_WSGI = `from clam.clamservice import flaskserver
import clamsvc
application = flaskserver.CLAMService(clamsvc).service.wsgi_app
`;

/**
 * A home with an SSH key, and a project directory holding the services `hello` (hello/hello.wsgi)
 * and `clamsvc` (a CLAM service: clamsvc/clamsvc.wsgi imports clam), plus a TLS certificate and key.
 */
export interface Workspace {
  root: string;
  home: string;
  project: string;
  hello: string;
}

export function workspace(): Workspace {
  const root = testTempDir('wizard');
  const home = path.join(root, 'home');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  writeFileSync(path.join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n(test)\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
  writeFileSync(path.join(home, '.ssh', 'id_ed25519.pub'), 'ssh-ed25519 AAAA test\n');
  const project = path.join(root, 'project');
  const hello = path.join(project, 'hello');
  mkdirSync(hello, { recursive: true });
  writeFileSync(path.join(hello, 'hello.wsgi'), HELLO_WSGI);
  mkdirSync(path.join(project, 'clamsvc'));
  writeFileSync(path.join(project, 'clamsvc', 'clamsvc.wsgi'), CLAM_WSGI);
  writeFileSync(path.join(project, 'clamsvc', 'clamsvc.py'), 'SYSTEM_ID = "clamsvc"\n');
  mkdirSync(path.join(project, 'tls'));
  writeFileSync(path.join(project, 'tls', 'cert.pem'), '-----BEGIN CERTIFICATE-----\n(test)\n-----END CERTIFICATE-----\n');
  writeFileSync(path.join(project, 'tls', 'key.pem'), '-----BEGIN PRIVATE KEY-----\n(test)\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
  return { root, home, project, hello };
}

/** A CheckServer that answers from a list (one result per call) and records what it was asked. */
export function fakeCheck(results: ConnectionCheck[]): CheckServer & { calls: Array<Parameters<CheckServer>> } {
  const calls: Array<Parameters<CheckServer>> = [];
  const check = (async (...args: Parameters<CheckServer>) => {
    calls.push(args);
    const result = results.shift();
    if (!result) throw new Error('unexpected connection test');
    return result;
  }) as CheckServer & { calls: Array<Parameters<CheckServer>> };
  check.calls = calls;
  return check;
}

export interface Captured {
  stdout: string[];
  stderr: string[];
}

export function deps(ws: Workspace, terminal: Terminal, check: CheckServer, cwd = ws.project): Partial<InitDeps> & { captured: Captured } {
  const captured: Captured = { stdout: [], stderr: [] };
  return {
    terminal,
    stdinIsTTY: true,
    cwd,
    home: ws.home,
    env: {},
    checkServer: check,
    stdout: (text) => void captured.stdout.push(text),
    stderr: (text) => void captured.stderr.push(text),
    captured,
  };
}
