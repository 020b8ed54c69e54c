/**
 * Issue 11, item 3: installing the tool is one command that puts `clamprovision` on the PATH. Checked
 * the way a user would: `npm pack` the repository (the built dist/ as `npm test` left it), look at
 * what the tarball holds (the runtime files, not the tests, the lab or the sources), install it
 * globally into a temporary prefix with dependencies from the npm cache, then, from an unrelated
 * directory, run `clamprovision --help` found on the PATH and `clamprovision validate` on a small
 * inventory, which must use the playbook of the installed package, not the repository's.
 *
 * `npm pack --ignore-scripts`: the tarball is made of the dist/ the test runner built; running
 * `prepare` (the build) here would rewrite dist/ under the feet of the tests running beside this one.
 * `npm install --ignore-scripts`: no script of ours is needed to install (the tarball holds dist/,
 * nothing is compiled on the user's machine); it skips ssh2's optional native build (~30 s).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ code: null, stdout, stderr: stderr + String(error) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment for the npm we start: not the settings of the `npm test` that may have started us. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(prefix|global|global_prefix|local_prefix|dry_run)$/i.test(key)) delete env[key];
  }
  return env;
}

const tail = (text: string, lines = 25): string => text.trimEnd().split('\n').slice(-lines).join('\n');

test('npm pack holds only the runtime files; the tarball installs globally and its clamprovision runs from anywhere', async (t) => {
  // realpath: the CLI reports the playbook by its real path (macOS-style /tmp symlinks would differ)
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'clamprovision-pack-')));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const packDir = path.join(base, 'pack');
  const prefix = path.join(base, 'prefix');
  const work = path.join(base, 'work');
  mkdirSync(packDir);
  mkdirSync(work);
  const started = Date.now();

  // --- the tarball and what it holds
  const pack = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: repoRoot, env: npmEnv() });
  t.is(pack.code, 0, `npm pack failed:\n${tail(pack.stderr)}`);
  const tarball = path.join(packDir, `${pkg.name}-${pkg.version}.tgz`);
  t.true(existsSync(tarball), `npm pack made no ${path.basename(tarball)} (made: ${readdirSync(packDir).join(', ')})`);
  const list = await run('tar', ['-tzf', tarball], { cwd: base });
  t.is(list.code, 0, list.stderr);
  const files = list.stdout
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
  t.log(`tarball: ${files.length} files, ${Math.round(statSync(tarball).size / 1024)} KiB`);

  for (const required of ['package.json', 'README.md', 'dist/cli.js', 'playbooks/clam-webservice.yml']) {
    t.true(files.includes(required), `the tarball lacks ${required}${required.startsWith('dist/') ? ' (was `npm run build` run?)' : ''}`);
  }
  const templates = readdirSync(path.join(repoRoot, 'templates')).filter((name) => name.endsWith('.ejs'));
  t.true(templates.length > 0);
  t.deepEqual(
    templates.filter((name) => !files.includes(`templates/${name}`)),
    [],
    'templates missing from the tarball',
  );
  // the CLI is one bundled file (scripts/bundle.ts): no module of dist/ is loaded one by one
  t.deepEqual(
    files.filter((file) => file.startsWith('dist/')),
    ['dist/cli.js'],
    'dist/ in the tarball is not the bundled CLI alone (was `npm run build` run?)',
  );
  const allowedTop = /^(dist|playbooks|templates|examples)\/|^(package\.json|README\.md|LICENSE(\.\w+)?)$/;
  t.deepEqual(
    files.filter((file) => !allowedTop.test(file)),
    [],
    'files outside the runtime set (dist/ playbooks/ templates/ examples/ README LICENSE)',
  );
  t.deepEqual(
    files.filter((file) => /(^|\/)(test|\.lab|src|scripts|node_modules|__pycache__)\//.test(file) || /\.(map|ts|tgz|log)$/.test(file) || /(^|\/)(inventory\.lab\.yml|tsconfig[^/]*\.json|package-lock\.json)$/.test(file)),
    [],
    'tests, lab files, sources, source maps or build settings in the tarball',
  );

  // --- global install from the tarball, dependencies from the npm cache
  const installArgs = ['install', '--global', '--prefix', prefix, tarball, '--no-audit', '--no-fund', '--ignore-scripts'];
  let install = await run('npm', [...installArgs, '--offline'], { cwd: work, env: npmEnv() });
  if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) {
    // The cache has the dependencies' tarballs (from `npm ci`) but not always their metadata.
    t.log('npm install --offline: the npm cache lacks some package metadata; retrying with --prefer-offline');
    install = await run('npm', [...installArgs, '--prefer-offline'], { cwd: work, env: npmEnv() });
  }
  t.is(install.code, 0, `npm install -g of the tarball failed:\n${tail(install.stderr)}`);
  const installed = path.join(prefix, 'lib', 'node_modules', pkg.name);
  const bin = path.join(prefix, 'bin', 'clamprovision');
  t.true(existsSync(bin), 'npm install -g put no clamprovision in PREFIX/bin');
  const cli = path.join(installed, 'dist', 'cli.js');
  t.true(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n'), 'dist/cli.js has no node shebang');
  t.true((statSync(cli).mode & 0o111) !== 0, 'the installed dist/cli.js is not executable');
  t.false(existsSync(path.join(installed, 'node_modules', 'typescript')), 'a development dependency (typescript) was installed');

  // --- the installed command, on the PATH, from a directory that is not the repository
  const env = { ...process.env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  const help = await run('clamprovision', ['--help'], { cwd: work, env, timeoutMs: 30_000 });
  t.is(help.code, 0, `clamprovision --help failed:\n${help.stderr}`);
  for (const command of ['apply', 'plan', 'validate', 'init']) {
    t.regex(help.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `--help does not list ${command}`);
  }

  cpSync(path.join(repoRoot, 'examples', 'hello'), path.join(work, 'hello'), { recursive: true });
  writeFileSync(
    path.join(work, 'inventory.yml'),
    ['all:', '  hosts:', '    web1:', '      ansible_host: 192.0.2.10', '      services: [{name: hello, source: ./hello, wsgi: hello.wsgi}]', ''].join('\n'),
  );
  const validate = await run('clamprovision', ['validate', 'inventory.yml'], { cwd: work, env, timeoutMs: 30_000 });
  t.is(validate.code, 0, `clamprovision validate failed:\n${validate.stdout}${validate.stderr}`);
  t.regex(validate.stdout, /^valid: 1 host, \d+ tasks/m);
  const installedPlaybook = path.join(installed, 'playbooks', 'clam-webservice.yml');
  t.true(validate.stdout.includes(`(${installedPlaybook})`), `validate does not name the installed playbook ${installedPlaybook}:\n${validate.stdout}`);
  t.false(validate.stdout.includes(repoRoot), 'the installed CLI used files from the repository');

  t.log(`pack + install + runs: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
