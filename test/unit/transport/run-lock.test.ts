import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, LOCKED_LINE, lockScript } from '../../../src/transport/run-lock.js';
import { testIf } from '../../helpers/precondition.js';

// The root branch (/run/clamprovision) is run by the lab test test/faults/lock-owner.test.ts.
const asNobody = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status === 0;
const nobodyTest = testIf(asNobody, 'needs root and runuser to run the lock script as nobody');

function lockAsNobody(runtimeDir: string) {
  return spawnSync('runuser', ['-u', 'nobody', '--', 'env', `XDG_RUNTIME_DIR=${runtimeDir}`, 'sh', '-s'], { input: lockScript(1), encoding: 'utf8', timeout: 10_000 });
}

function runtimeDirOfNobody(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'run-lock-')), 'runtime');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(join(dir, '..'), 0o755);
  chownSync(dir, 65534, 65534);
  return dir;
}

test('the lock is in a root-only directory, not in world-writable /run/lock', (t) => {
  t.is(LOCK_FILE, '/run/clamprovision/lock');
  t.regex(lockScript(5), /mkdir -p -m 0700/);
});

nobodyTest('without root, the lock is in the user\'s own runtime directory, created 0700', (t) => {
  const runtime = runtimeDirOfNobody();
  const result = lockAsNobody(runtime);
  t.is(result.stdout.trim(), LOCKED_LINE, result.stderr);
  t.is(statSync(join(runtime, '.clamprovision')).mode & 0o777, 0o700);
});

nobodyTest('a lock directory others can write is refused, not used', (t) => {
  const runtime = runtimeDirOfNobody();
  mkdirSync(join(runtime, '.clamprovision'), { mode: 0o777 });
  chmodSync(join(runtime, '.clamprovision'), 0o777);
  chownSync(join(runtime, '.clamprovision'), 65534, 65534);
  const result = lockAsNobody(runtime);
  t.is(result.status, 1);
  t.notRegex(result.stdout, new RegExp(LOCKED_LINE));
  t.regex(result.stderr, /is not owned by nobody with mode 0700/);
});
