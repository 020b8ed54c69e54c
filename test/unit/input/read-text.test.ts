/** Issue 14, defect 16: an input file that is not a small regular UTF-8 file is refused at once, with a position. */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeUtf8, firstInvalidByte, MAX_INPUT_BYTES, readInputText } from '../../../src/input/read-text.js';
import { inputErrorsThrownBy } from './thrown-input-errors.js';
import { tempTree } from './temp-files.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

function refusal(file: string): string {
  const errors = inputErrorsThrownBy(() => readInputText(file));
  return errors.map((error) => error.format()).join('\n');
}

test('a FIFO, a device and a directory are refused without reading them', (t) => {
  const dir = tempTree({});
  const fifo = path.join(dir, 'inventory.yml');
  execFileSync('mkfifo', [fifo]);
  mkdirSync(path.join(dir, 'folder.yml'));
  t.is(refusal(fifo), `${fifo}:1:1: cannot read ${fifo}: not a regular file (a named pipe)`);
  t.is(refusal('/dev/zero'), '/dev/zero:1:1: cannot read /dev/zero: not a regular file (a device)');
  t.regex(refusal(path.join(dir, 'folder.yml')), /not a regular file \(a directory\)/);
});

test('a file over the size limit is refused', (t) => {
  const dir = tempTree({});
  const big = path.join(dir, 'big.yml');
  writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1, 0x61));
  t.regex(refusal(big), /big\.yml:1:1: .* more than the \d+ an input file may have/);
});

test('invalid UTF-8 is an error at its line and column, never replaced', (t) => {
  const text = (bytes: number[]) => Buffer.concat([Buffer.from('a: 1\nbé: '), Buffer.from(bytes), Buffer.from('\n')]);
  for (const bytes of [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
    const [error] = inputErrorsThrownBy(() => decodeUtf8(text(bytes), 'x.yml'));
    t.is(error?.format().split(': the')[0], 'x.yml:2:5', String(bytes));
  }
  t.is(decodeUtf8(Buffer.from('ünïcödé ✓ 😀'), 'x.yml'), 'ünïcödé ✓ 😀');
  t.is(firstInvalidByte(Buffer.from('😀\u{10FFFF}')), 8);
});

test('validate on a FIFO exits 1 at once instead of waiting for a writer', async (t) => {
  const dir = tempTree({});
  execFileSync('mkfifo', [path.join(dir, 'inventory.yml')]);
  const child = spawn(process.execPath, [cli, 'validate', 'inventory.yml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  t.is(code, 1, stderr);
  t.regex(stderr, /^error: inventory\.yml:1:1: cannot read inventory\.yml: not a regular file \(a named pipe\)$/m);
});
