import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { examplesDir, helloService, hostVars, render, services } from './render.js';

const python = spawnSync('python3', ['--version']).status === 0;

/** Renders the wrapper for the hello example (its wsgi made absolute on this machine) and calls the app. */
function callThroughWrapper(env: Record<string, string>, path: string): { status: number | null; stdout: string; stderr: string } {
  const vars = hostVars({ webserver: 'apache-wsgi', services: [helloService('/hello', { env })] });
  const service = { ...services(vars)[0]!, wsgi: join(examplesDir, 'hello', 'hello.wsgi') };
  const dir = mkdtempSync(join(tmpdir(), 'clamprovision-wrapper-'));
  const wrapper = join(dir, 'app.wsgi');
  writeFileSync(wrapper, render('mod-wsgi-app.wsgi.ejs', vars, service));
  // what mod_wsgi does: load the script file as a module and call `application`
  const driver = [
    'import importlib.machinery, importlib.util, sys',
    `loader = importlib.machinery.SourceFileLoader("wrapper", ${JSON.stringify(wrapper)})`,
    'module = importlib.util.module_from_spec(importlib.util.spec_from_loader("wrapper", loader))',
    'loader.exec_module(module)',
    `body = module.application({"SCRIPT_NAME": "/hello", "PATH_INFO": ${JSON.stringify(path)}}, lambda status, headers: None)`,
    'sys.stdout.write(b"".join(body).decode())',
    'import os; sys.stdout.write("CLAM_ROOT=" + os.environ["CLAM_ROOT"] + "\\n" + "PATH=" + os.environ["PATH"] + "\\n")',
  ].join('\n');
  const result = spawnSync('python3', ['-c', driver], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('the wrapper sets the service environment (quotes, backslashes, % intact) and runs the real script', (t) => {
  if (!python) return t.pass('python3 is not installed here');
  const greeting = `it's "quoted" \\ 100% ${'$'}(HOME) ünïcode`;
  const result = callThroughWrapper({ GREETING: greeting }, '/foo');
  t.is(result.status, 0, result.stderr);
  const lines = result.stdout.split('\n');
  t.is(lines[0], 'SCRIPT_NAME=/hello');
  t.is(lines[1], 'PATH_INFO=/foo');
  t.is(lines[2], `GREETING=${greeting}`);
  t.is(lines[3], 'CLAM_ROOT=/var/lib/clam/hello');
  t.true(lines[4]!.startsWith('PATH=/opt/clam/hello/venv/bin:'));
});
