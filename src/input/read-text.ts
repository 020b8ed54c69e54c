import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InputError, type SourceLocation } from '../core/errors.js';
import { noteInputRead } from './read-log.js';

/** Inventories, playbooks and answer files are small: a larger one is a mistake (or /dev/zero). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * The text of an input file, refused unless it is a regular file of at most MAX_INPUT_BYTES in
 * valid UTF-8. Opened without blocking, so a FIFO with no writer is refused instead of waited on.
 */
export function readInputText(file: string): string {
  const start: SourceLocation = { file, line: 1, col: 1 };
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new InputError(`cannot read ${file}: ${reason}`, start);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new InputError(`cannot read ${file}: not a regular file (${kind(stat)})`, start);
    if (stat.size > MAX_INPUT_BYTES) throw new InputError(`cannot read ${file}: ${stat.size} bytes, more than the ${MAX_INPUT_BYTES} an input file may have`, start);
    // one byte more than allowed, in case the file grows while it is read
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_INPUT_BYTES) + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length > MAX_INPUT_BYTES) throw new InputError(`cannot read ${file}: more than the ${MAX_INPUT_BYTES} bytes an input file may have`, start);
    noteInputRead(file, buffer.subarray(0, length));
    return decodeUtf8(buffer.subarray(0, length), file);
  } finally {
    closeSync(fd);
  }
}

function kind(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text; invalid bytes are an error at their line and column, never silently replaced. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    const offset = firstInvalidByte(bytes);
    const before = Buffer.from(bytes.subarray(0, offset)).toString('utf8');
    const lines = before.split('\n');
    throw new InputError(
      `the file is not valid UTF-8: byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} at offset ${offset} (save it as UTF-8)`,
      { file, line: lines.length, col: [...lines.at(-1)!].length + 1 },
    );
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    const [length, low, high] = byte < 0x80 ? [1, 0, 0] : byte >= 0xc2 && byte <= 0xdf ? [2, 0x80, 0xbf] : byte === 0xe0 ? [3, 0xa0, 0xbf] : byte === 0xed ? [3, 0x80, 0x9f] : byte >= 0xe1 && byte <= 0xef ? [3, 0x80, 0xbf] : byte === 0xf0 ? [4, 0x90, 0xbf] : byte === 0xf4 ? [4, 0x80, 0x8f] : byte >= 0xf1 && byte <= 0xf3 ? [4, 0x80, 0xbf] : [0, 0, 0];
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (next === undefined || next < min || next > max) return i;
    }
    i += length;
  }
  return bytes.length;
}
