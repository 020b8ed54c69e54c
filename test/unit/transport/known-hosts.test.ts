import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, knownHostsLine, knownKeyTypes, verifyHostKey } from '../../../src/transport/known-hosts.js';

/** A real host key made by ssh-keygen: its blob (as a server presents it) and ssh-keygen's own fingerprint. */
function makeHostKey(dir: string, name: string): { blob: Buffer; line: string; sshKeygenPrint: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  const blob = Buffer.from(line.split(' ')[1]!, 'base64');
  const sshKeygenPrint = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { blob, line, sshKeygenPrint };
}

const dir = mkdtempSync(join(tmpdir(), 'known-hosts-'));
const hostKey = makeHostKey(dir, 'a');
const otherKey = makeHostKey(dir, 'b');

test('fingerprints match ssh-keygen -l', (t) => {
  t.is(fingerprint(hostKey.blob), hostKey.sshKeygenPrint);
});

test('a recorded key is known; another key for the same host is a change that names both fingerprints', (t) => {
  const text = `# comment\n10.0.0.5 ${hostKey.line}\n`;
  t.deepEqual(verifyHostKey(text, '10.0.0.5', 22, hostKey.blob), { kind: 'known' });
  const changed = verifyHostKey(text, '10.0.0.5', 22, otherKey.blob);
  t.is(changed.kind, 'changed');
  if (changed.kind === 'changed') {
    t.deepEqual(changed.expected, [hostKey.sshKeygenPrint]);
    t.is(changed.fingerprint, otherKey.sshKeygenPrint);
  }
});

test('an unrecorded host is unknown; a non-22 port is recorded as [host]:port', (t) => {
  const text = `10.0.0.5 ${hostKey.line}\n`;
  t.is(verifyHostKey(text, '10.0.0.6', 22, hostKey.blob).kind, 'unknown');
  t.is(verifyHostKey(text, '10.0.0.5', 2222, hostKey.blob).kind, 'unknown');
  const line = knownHostsLine('10.0.0.5', 2222, hostKey.blob);
  t.true(line.startsWith('[10.0.0.5]:2222 ssh-ed25519 '));
  t.is(verifyHostKey(line, '10.0.0.5', 2222, hostKey.blob).kind, 'known');
});

test('hashed entries written by ssh-keygen -H are matched', (t) => {
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `web1.example.org ${hostKey.line}\n[10.0.0.7]:2222 ${otherKey.line}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const hashed = readFileSync(file, 'utf8');
  t.false(hashed.includes('web1.example.org'));
  t.is(verifyHostKey(hashed, 'web1.example.org', 22, hostKey.blob).kind, 'known');
  t.is(verifyHostKey(hashed, 'web1.example.org', 22, otherKey.blob).kind, 'changed');
  t.is(verifyHostKey(hashed, '10.0.0.7', 2222, otherKey.blob).kind, 'known');
  t.deepEqual(knownKeyTypes(hashed, 'web1.example.org', 22), ['ssh-ed25519']);
});

test('patterns, negations and @revoked markers', (t) => {
  const text = `*.lab,!bad.lab ${hostKey.line}\n@revoked * ${otherKey.line}\n`;
  t.is(verifyHostKey(text, 'web.lab', 22, hostKey.blob).kind, 'known');
  t.is(verifyHostKey(text, 'bad.lab', 22, hostKey.blob).kind, 'unknown');
  t.is(verifyHostKey(text, 'web.lab', 22, otherKey.blob).kind, 'revoked');
});
