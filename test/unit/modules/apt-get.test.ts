/**
 * installMissingPackages run by sh against this machine's real dpkg database (dpkg-query); apt-get
 * is a recorder on PATH, so nothing is installed here.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { installMissingPackages } from '../../../src/modules/lib/apt-get.js';
import { testTempDir } from '../../helpers/temp-dir.js';
import { assertParses } from './host-facts.js';

const hasDpkg = spawnSync('dpkg-query', ['-W', 'coreutils']).status === 0;
const withDpkg = hasDpkg ? test : test.skip;
const ABSENT = 'clamprovision-no-such-package';

/** Runs the lines with apt-get recording its arguments; returns what it was called with. */
function run(lines: string[]): { code: number; calls: string[]; stderr: string } {
  const dir = testTempDir('apt-get');
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'apt-get'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n`);
  chmodSync(join(dir, 'apt-get'), 0o755);
  const script = ['set -e', ...lines].join('\n');
  assertParses(script);
  const result = spawnSync('sh', ['-s'], { input: script, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
  return { code: result.status ?? 128, calls: readFileSync(log, 'utf8').split('\n').filter(Boolean), stderr: result.stderr };
}

withDpkg('only what is still not installed when the script runs is installed', (t) => {
  const result = run(installMissingPackages({ missing: ['coreutils', ABSENT, `${ABSENT}-2=1.0`] }, 300));
  t.is(result.code, 0, result.stderr);
  t.deepEqual(result.calls, [
    `-q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --no-install-recommends -- ${ABSENT} ${ABSENT}-2=1.0`,
  ]);
});

withDpkg('all installed by then: apt-get is not run, the planned update neither', (t) => {
  const result = run(installMissingPackages({ missing: ['coreutils', 'dpkg'], update: 'updated 3 days ago' }, 300));
  t.is(result.code, 0, result.stderr);
  t.deepEqual(result.calls, []);
});

test('nothing missing: no lines', (t) => {
  t.deepEqual(installMissingPackages({ missing: [] }, 300), []);
});
