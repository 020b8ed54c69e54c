/**
 * Issue 14, must-show 3 (the renderers): random strings in every variable that reaches a
 * configuration file are either refused by the CLAM schema or rendered into files of the same
 * shape as a plain value gives — the same number of lines, and on each line the same directive,
 * what ends it, the same number of quotes and of `$`/`%` (expansions) — so nothing is injected,
 * and never hang. nginx_extra and apache_extra are left out: they are raw directives by design.
 * FUZZ_RUNS and FUZZ_SEED run it longer or with other strings.
 *
 * Each variable gets a valid stem with the random string appended (a prefix stays a prefix, a path
 * under a data root stays there), so a value the schema takes must render like the stem alone.
 */
import test from 'ava';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClamService } from '../../../src/clam/types.js';
import { normalizeClamVars } from '../../../src/clam/variables.js';
import { inputErrorsThrownBy } from '../input/thrown-input-errors.js';
import { examplesDir, render, type Vars } from './render.js';

const HOST = 'web1';
/** per variable, webserver mode and tls: the six tests take a few seconds together */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);

/** The inventory of one host, with `value` placed by `place`. */
interface Variable {
  name: string;
  /** the host's inventory name, and its variables, given the random part */
  place: (random: string) => { host: string; vars: Vars };
}

const service = (extra: Vars = {}): Vars => ({ name: 'svc', wsgi: '/opt/w/app.wsgi', url_prefix: '/p', static: { url: '/s', dir: '/srv/s' }, env: { K: 'v' }, ...extra });
const hostWith = (vars: Vars, serviceExtra: Vars = {}): Vars => ({ trusted_proxies: ['10.0.0.0/8'], ...vars, services: [service(serviceExtra)] });
const onHost = (vars: Vars, serviceExtra: Vars = {}) => ({ host: HOST, vars: hostWith(vars, serviceExtra) });
const inService = (key: string, stem: string) => (random: string) => onHost({}, { [key]: `${stem}${random}` });

const VARIABLES: Variable[] = [
  { name: 'the host name (the default server_name)', place: (random) => ({ host: `web${random}`, vars: hostWith({}) }) },
  { name: 'server_name', place: (random) => onHost({ server_name: `a${random}` }) },
  { name: 'public_url', place: (random) => onHost({ public_url: `http://a${random}` }) },
  { name: 'trusted_proxies', place: (random) => onHost({ trusted_proxies: [`10.0.0.1${random}`] }) },
  { name: 'http_port', place: (random) => onHost({ http_port: `81${random}` }) },
  { name: 'service name', place: inService('name', 'n') },
  { name: 'wsgi', place: inService('wsgi', '/opt/w/') },
  { name: 'url_prefix', place: inService('url_prefix', '/p') },
  { name: 'uwsgi_port', place: inService('uwsgi_port', '9') },
  { name: 'processes', place: inService('processes', '1') },
  { name: 'threads', place: inService('threads', '1') },
  { name: 'data_dir', place: inService('data_dir', '/var/lib/clam/d') },
  { name: 'static.url', place: (random) => onHost({}, { static: { url: `/s${random}`, dir: '/srv/s' } }) },
  { name: 'static.dir', place: (random) => onHost({}, { static: { url: '/s', dir: `/srv/s${random}` } }) },
  { name: 'client_max_body_size', place: inService('client_max_body_size', '1') },
  { name: 'request_timeout', place: inService('request_timeout', '6') },
  { name: 'env key', place: (random) => onHost({}, { env: { [`K${random}`]: 'v' } }) },
  { name: 'env value', place: (random) => onHost({}, { env: { K: random } }) },
];

/** What each configuration file of the host is, for a webserver mode. */
function renderedFiles(vars: Vars): Record<string, string> {
  const item = (vars.services as ClamService[])[0]!;
  const files: Record<string, string> = {
    'uwsgi.ini': render('uwsgi.ini.ejs', vars, item),
    unit: render('clam-service.service.ejs', vars, item),
    'unit drop-in': render('clam-service-backoff.conf.ejs', vars, item),
    env: render('service.env.ejs', vars, item),
    'app.wsgi': render('app.wsgi.ejs', vars, item),
  };
  if (vars.webserver === 'nginx') files.nginx = render('nginx-clam.conf.ejs', vars);
  else files.apache = render('apache-clam.conf.ejs', vars);
  return files;
}

/** Per line: the directive (first word, or the key before `=`), what ends it and its quotes. */
function shape(file: string, text: string): string[] {
  return text.split('\n').map((line) => {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) return '#';
    // the env file's keys are the service's own: each line one KEY="value", quoted as systemd reads it
    if (file === 'env' && ENV_LINE.test(line)) return 'KEY="…"';
    const first = /^[^\s=]*/.exec(trimmed)![0];
    // a line may start with a value (an address of nginx's geo): only a word is a directive
    const directive = /^[A-Za-z_<\/[\]][\w:<>/[\].-]*$/.test(first) ? first : '(value)';
    const quotes = (trimmed.match(/(?<!\\)["']/g) ?? []).length;
    // what uWSGI, nginx and Apache expand: $(VAR) %n, $var, %{VAR}
    const expansions = (trimmed.match(/[$%]/g) ?? []).length;
    // what ends a directive or opens/closes a block (any other last character is part of a value)
    const end = /[;{}\\"'>]$/.test(trimmed) ? trimmed.slice(-1) : '';
    return `${directive} …${end} ${quotes}q ${expansions}$`;
  });
}

/** The files of the host, or undefined when the schema refuses its variables. */
function filesOf(host: string, vars: Vars): Record<string, string> | undefined {
  let normalized: Vars | undefined;
  const errors = inputErrorsThrownBy(() => {
    normalized = normalizeClamVars(structuredClone(vars), { name: host, inventoryDir: examplesDir });
  });
  return errors.length > 0 ? undefined : renderedFiles(normalized!);
}

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"$/s;

/** The env file read back the way the WSGI entry point reads it (app.wsgi.ejs). */
function readEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = ENV_LINE.exec(line);
    if (match) values[match[1]!] = match[2]!.replace(/\\(.)/gs, '$1');
  }
  return values;
}

// What ends a line, a directive, a block, a quoted value or an expansion in one of the files, what
// hides a character, and plain characters so that some values are taken.
const TRICKY = ['\n', '\r', '\t', ' ', '\0', '\x1b', '\x7f', '\u0085', '\u2028', '\u202e', '\u200b', '\ufeff', ';', '{', '}', '"', "'", '`', '\\', '#', '<', '>', '$', '%', '(', ')', '[', ']', '/', '=', ':', '.', '-', '~', '*', '?', '!', 'a', 'Z', '0', '9', '_'];
const plain = fc.string({ unit: fc.constantFrom('a', 'z', '0', '9'), maxLength: 3 });
const randomPart = fc.oneof(
  // one tricky character among plain ones: what a single-character rule lets through
  fc.tuple(plain, fc.constantFrom(...TRICKY), plain).map((parts) => parts.join('')),
  fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 12 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

/** Local files the schema accepts as a certificate and key: with `tls` the webserver files get their HTTPS server and redirect. */
const TLS = { cert: 'hello/hello.wsgi', key: 'hello/hello.wsgi' };

for (const [webserver, tls] of (['nginx', 'apache-uwsgi', 'apache-wsgi'] as const).flatMap((mode) => [[mode, false], [mode, true]] as const)) {
  test(`${webserver}${tls ? ' with tls' : ''}: a random string in any variable is refused, or every file keeps its lines and directives`, (t) => {
    const counts: string[] = [];
    const site: Vars = tls ? { webserver, tls: TLS } : { webserver };
    for (const variable of VARIABLES) {
      const plain = variable.place('');
      const expected = filesOf(plain.host, { ...site, ...plain.vars });
      if (expected === undefined) throw new Error(`the stem of ${variable.name} is refused`);
      const expectedShapes = Object.fromEntries(Object.entries(expected).map(([file, text]) => [file, shape(file, text)]));
      let taken = 0;
      fc.assert(
        fc.property(randomPart, (random) => {
          const placed = variable.place(random);
          const started = performance.now();
          const files = filesOf(placed.host, { ...site, ...placed.vars });
          const seconds = (performance.now() - started) / 1000;
          if (seconds > 2) throw new Error(`${variable.name} = ${JSON.stringify(random)} took ${seconds.toFixed(1)} s`);
          if (files === undefined) return;
          taken += 1;
          for (const [file, text] of Object.entries(files)) {
            assert.deepEqual(shape(file, text), expectedShapes[file], `${file} with ${variable.name} = ${JSON.stringify(random)}:\n${text}`);
          }
          if (variable.name === 'env value') assert.equal(readEnvFile(files.env!).K, random, 'the env value reads back as given');
          if (tls) assert.match(files.nginx ?? files.apache!, /listen 443 ssl;|<VirtualHost \*:443>/, 'the site is served with TLS');
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 14), includeErrorInReport: true },
      );
      counts.push(`${variable.name}: ${taken} of ${RUNS} taken`);
    }
    t.log(counts.join('; '));
    t.pass();
  });
}
