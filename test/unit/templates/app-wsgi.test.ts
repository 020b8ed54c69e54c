/**
 * The WSGI entry point of every webserver mode (app.wsgi.ejs), run with python3 the way uWSGI and
 * mod_wsgi load it: it reads the service's env file itself, then runs the service's WSGI script; for
 * a CLAM service it also gives CLAM the host's secret key and the URL prefix.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { fakeClam, hasPython3, run } from '../clam/fake-clam.js';
import { testIf } from '../../helpers/precondition.js';
import { tempTree } from '../input/temp-files.js';
import { directives, examplesDir, helloService, hostVars, render, services, shoutService, writeEnvFile, type Service, type Vars } from './render.js';

const withPython = testIf(hasPython3, 'python3 is not installed');

/** Renders the entry point of `service` (the env file written beside it) to a temporary file: its path. */
function writeEntryPoint(vars: Vars, service: Service, overrides: Partial<Service>): string {
  const entryPoint = join(tempTree({}), 'app.wsgi');
  writeFileSync(entryPoint, render('app.wsgi.ejs', vars, { ...service, env_file: writeEnvFile(vars, service), ...overrides }));
  return entryPoint;
}

/** What mod_wsgi and uWSGI do: load the file as a module and call its `application`; its body, then the variables asked for. */
async function callEntryPoint(entryPoint: string, scriptName: string, pathInfo: string, show: string[] = [], pythonPath?: string) {
  const driver = [
    'import importlib.machinery, importlib.util, os, sys',
    `loader = importlib.machinery.SourceFileLoader("entry_point", ${JSON.stringify(entryPoint)})`,
    'module = importlib.util.module_from_spec(importlib.util.spec_from_loader("entry_point", loader))',
    'loader.exec_module(module)',
    `body = module.application({"SCRIPT_NAME": ${JSON.stringify(scriptName)}, "PATH_INFO": ${JSON.stringify(pathInfo)}}, lambda status, headers: None)`,
    'sys.stdout.write(b"".join(body).decode())',
    `for name in ${JSON.stringify(show)}: sys.stdout.write(name + "=" + os.environ[name] + "\\n")`,
  ].join('\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(pythonPath ? { PYTHONPATH: pythonPath } : {}) };
  return run('python3', ['-c', driver], { env });
}

withPython('the entry point loads the service environment from its env file (quotes, backslashes, % intact) and runs the real script', async (t) => {
  const greeting = `it's "quoted" \\ 100% ${'$'}(HOME) ünïcode`;
  for (const webserver of ['apache-wsgi', 'nginx']) {
    const vars = hostVars({ webserver, services: [helloService('/hello', { env: { GREETING: greeting } })] });
    const entryPoint = writeEntryPoint(vars, services(vars)[0]!, { wsgi: join(examplesDir, 'hello', 'hello.wsgi') });
    const result = await callEntryPoint(entryPoint, '/hello', '/foo', ['CLAM_ROOT', 'PATH', 'VIRTUAL_ENV']);
    t.is(result.code, 0, result.stderr);
    t.deepEqual(result.stdout.split('\n'), [
      'SCRIPT_NAME=/hello',
      'PATH_INFO=/foo',
      `GREETING=${greeting}`,
      'CLAM_ROOT=/var/lib/clam/hello',
      'PATH=/opt/clam/hello/current/venv/bin:/usr/local/bin:/usr/bin:/bin',
      'VIRTUAL_ENV=/opt/clam/hello/current/venv',
      '',
    ], webserver);
  }
});

test('every webserver mode runs the same entry point (only its comments differ)', (t) => {
  const entryPoint = (webserver: string) => {
    const vars = hostVars({ webserver, services: [shoutService('/shout')] });
    return directives(render('app.wsgi.ejs', vars, services(vars)[0]));
  };
  t.deepEqual(entryPoint('nginx'), entryPoint('apache-wsgi'));
  t.deepEqual(entryPoint('nginx'), entryPoint('apache-uwsgi'));
});

// --- a CLAM service: the settings CLAM takes from the host

const SECRETS = 'SECRET_KEY="5f1e0c9a7b3d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f"\nPRIVATEACCESSTOKEN="0123456789abcdef0123456789abcdef"\n';

/** Runs the entry point of Shout at `prefix` with a settings module of its own (`settings`), CLAM faked. */
async function callClamEntryPoint(prefix: string, settings: string) {
  const vars = hostVars({ services: [shoutService(prefix)] });
  // the real WSGI script of the example, beside a settings module standing in for shout.py
  const source = tempTree({ 'shout.py': settings, 'clam-secrets': SECRETS });
  copyFileSync(join(examplesDir, 'shout', 'shout.wsgi'), join(source, 'shout.wsgi'));
  const entryPoint = writeEntryPoint(vars, services(vars)[0]!, { wsgi: join(source, 'shout.wsgi'), clam_secrets_file: join(source, 'clam-secrets') });
  // the fake CLAM stands where the virtualenv's site-packages would be
  const result = await callEntryPoint(entryPoint, prefix === '/' ? '' : prefix, '/', [], fakeClam());
  return { ...result, report: result.code === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : undefined };
}

withPython('CLAM service: SECRET_KEY and PRIVATEACCESSTOKEN from the host\'s secrets file, URLPREFIX from url_prefix, CLAMFORCEURL from the env file', async (t) => {
  const result = await callClamEntryPoint('/shout', 'SYSTEM_ID = "shout"\n');
  t.is(result.code, 0, result.stderr);
  t.deepEqual(result.report, {
    SYSTEM_ID: 'shout',
    SECRET_KEY: '5f1e0c9a7b3d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f',
    PRIVATEACCESSTOKEN: '0123456789abcdef0123456789abcdef',
    URLPREFIX: 'shout',
    environ: { CLAMFORCEURL: 'http://web1/shout', CONFIGFILE: '/opt/clam/shout/current/src/shout.config.yml', CLAM_ROOT: '/var/lib/clam/shout' },
  });
  t.like((await callClamEntryPoint('/', 'SYSTEM_ID = "shout"\n')).report, { URLPREFIX: '', environ: { CLAMFORCEURL: 'http://web1' } });
});

withPython('CLAM service: what the settings module defines itself is kept', async (t) => {
  const result = await callClamEntryPoint('/shout', 'SYSTEM_ID = "shout"\nSECRET_KEY = "own secret"\nURLPREFIX = "tools/shout"\n');
  t.is(result.code, 0, result.stderr);
  t.like(result.report, { SECRET_KEY: 'own secret', URLPREFIX: 'tools/shout', PRIVATEACCESSTOKEN: '0123456789abcdef0123456789abcdef' });
});

test('a plain WSGI service\'s entry point neither imports CLAM nor reads a secrets file', (t) => {
  const vars = hostVars({ services: [helloService('/hello')] });
  const text = render('app.wsgi.ejs', vars, services(vars)[0]);
  t.false(/^\s*(import|from)\s+clam\b/m.test(text));
  t.false(text.includes('clam-secrets'));
});
