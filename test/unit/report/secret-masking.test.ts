/**
 * Issue 14, defect 4: no form of a secret reaches the output: not as written into an env file or a
 * Python string (`"` and `\` escaped), not in --json, not in an error about the value itself; and a
 * line of a file that assigns a secret-named key shows no value, old or new, known as a secret or not.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { SECRET_MASK, maskSecretAssignment, secrets } from '../../../src/core/secrets.js';
import type { HostResult } from '../../../src/engine/results.js';
import { fileDiff } from '../../../src/modules/lib/diff.js';
import { renderJson } from '../../../src/report/json.js';
import { renderHostReport } from '../../../src/report/text.js';
import { explain, runCli } from '../../helpers/cli.js';
import { examplesDir, helloService, hostVars, render, services } from '../templates/render.js';

const NEW_SECRET = 'new"se\\cret-4711';
const OLD_SECRET = 'old"val\\ue-0815';
const LITERAL_TOKEN = 'literal-tok-2323';
const REMOVED = 'gone-pass-9999';

/** Every way these values could be written: raw, env-file escaped, JSON/Python escaped, and JSON of an escaped line. */
function forms(value: string): string[] {
  const env = value.replace(/[\\"]/g, '\\$&');
  return [value, env, JSON.stringify(value).slice(1, -1), JSON.stringify(env).slice(1, -1)];
}

function assertHidden(t: import('ava').ExecutionContext, text: string, values: string[], what: string): void {
  for (const value of values) for (const form of forms(value)) t.false(text.includes(form), `${what} shows ${form}`);
}

test('the env file diff, as text and --json: the new secret, the old value, a secret-named literal and a removed secret are hidden', (t) => {
  // registers NEW_SECRET, as a run does (listed in secrets)
  const vars = hostVars({ services: [helloService('/', { env: { SECRET_KEY: NEW_SECRET, API_TOKEN: LITERAL_TOKEN, GREETING: 'hi "there"' }, secrets: ['SECRET_KEY'] })] });
  const envFile = render('service.env.ejs', vars, services(vars)[0]);
  t.true(envFile.includes('SECRET_KEY="new\\"se\\\\cret-4711"'), 'the env file holds the escaped form');
  const old = envFile.replace(/^SECRET_KEY=.*$/m, `SECRET_KEY="${OLD_SECRET.replace(/[\\"]/g, '\\$&')}"\nDB_PASSWORD="${REMOVED}"`).replace(/^API_TOKEN=.*\n/m, '');
  const diff = fileDiff('/etc/clam/hello/env', Buffer.from(old), Buffer.from(envFile));
  const host: HostResult = {
    name: 'web1',
    address: '192.0.2.11',
    status: 'changed',
    commands: 3,
    tasks: [{ name: 'env file', module: 'template', status: 'changed', summary: ['update /etc/clam/hello/env'], diff }],
  };
  const json = renderJson('plan', [host]);
  // colours may be on (a terminal, FORCE_COLOR): the lines are judged without them
  const text = stripVTControlCharacters(renderHostReport([host], 'plan', true));
  for (const [what, output] of [['--json', json], ['text', text]] as const) {
    assertHidden(t, output, [NEW_SECRET, OLD_SECRET, LITERAL_TOKEN, REMOVED], what);
  }
  t.regex(text, /^\s*-DB_PASSWORD="\*{8}$/m, 'a removed secret-named line shows its key, not its value');
  t.regex(text, /^\s*\+API_TOKEN="\*{8}$/m);
  t.regex(text, /GREETING="hi \\"there\\""$/m, 'other lines stay as they are');
});

test('a Python string holding a secret (app.wsgi) is masked in its JSON/Python escaped form', (t) => {
  secrets.add(NEW_SECRET);
  const line = `CLAM_DEFAULTS = dict(TOKENISH=${JSON.stringify(NEW_SECRET)})`;
  t.is(secrets.mask(line), `CLAM_DEFAULTS = dict(TOKENISH="${SECRET_MASK}")`);
  t.false(renderJson('plan', [{ name: 'w', address: 'w', status: 'changed', commands: 1, tasks: [{ name: 'x', module: 'template', status: 'changed', diff: `+${line}\n` }] }]).includes('4711'));
});

test('secret-named assignments in the forms files use; other lines untouched', (t) => {
  t.is(maskSecretAssignment('SECRET_KEY="abc"'), `SECRET_KEY="${SECRET_MASK}`);
  t.is(maskSecretAssignment('env = API_TOKEN=abc'), `env = API_TOKEN=${SECRET_MASK}`);
  t.is(maskSecretAssignment('  "password": "abc",'), `  "password": "${SECRET_MASK}`);
  t.is(maskSecretAssignment('    SetEnv DB_PASSWORD abc'), `    SetEnv DB_PASSWORD ${SECRET_MASK}`);
  t.is(maskSecretAssignment('Environment=SECRET_KEY=abc'), `Environment=SECRET_KEY=${SECRET_MASK}`);
  t.is(maskSecretAssignment('GREETING="hi"'), 'GREETING="hi"');
  t.is(maskSecretAssignment('server_name web1;'), 'server_name web1;');
});

test('validate: a secret that fails validation is not quoted in the error (from the environment, a secret-named literal, an env key listed in secrets)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'secret-validation-'));
  const inventory = join(dir, 'inventory.yml');
  writeFileSync(
    inventory,
    [
      'all:',
      '  hosts:',
      '    web1:',
      '      ansible_host: 192.0.2.11',
      '      services:',
      '        - name: hello',
      `          source: ${join(examplesDir, 'hello')}`,
      '          wsgi: hello.wsgi',
      '          env:',
      '            SECRET_KEY: "${SECRET_KEY}"',
      '            API_TOKEN: "literal-token\\nsecond-line-5150"',
      '            PLAIN: "${PLAIN_VALUE}"',
      '          secrets: [SECRET_KEY, PLAIN]',
      '',
    ].join('\n'),
  );
  const run = await runCli(['validate', inventory], { env: { ...process.env, SECRET_KEY: 'sk-first\nsecond-line-"7337', PLAIN_VALUE: 'plain-first\nsecond-line-6006' } });
  t.is(run.code, 1, explain(run));
  t.regex(run.stderr, /env\.SECRET_KEY must be a single line/);
  t.regex(run.stderr, /env\.API_TOKEN must be a single line/);
  t.regex(run.stderr, /env\.PLAIN must be a single line/);
  t.notRegex(run.stderr, /second-line|sk-first|plain-first|literal-token/);
});
