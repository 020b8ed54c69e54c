import { createHash } from 'node:crypto';
import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeBlob, decodeKey, encodeKey, FactsError } from '../protocol.js';

/** stat + sha256; with content: the bytes of a regular file up to MAX_CONTENT_BYTES (for diffs). */
export interface FileRequest {
  path: string;
  content?: boolean;
}

export type FileType = 'file' | 'directory' | 'link' | 'other';

export type FileFact =
  | { exists: false }
  | {
      exists: true;
      type: FileType;
      mode: number;
      owner: string;
      group: string;
      size: number;
      sha256?: string;
      /** present when requested, the file is regular and at most MAX_CONTENT_BYTES */
      content?: Buffer;
      linkTarget?: string;
    };

declare module '../host-facts.js' {
  interface FactRequestShapes {
    file: FileRequest;
  }
  interface HostFacts {
    /** path -> its file fact */
    files: Map<string, FileFact>;
  }
}

/** Files larger than this are hashed but not transferred (no diff is shown for them). */
export const MAX_CONTENT_BYTES = 256 * 1024;

// a cooked template literal: \${ and \\ below are the shell's ${ and \
const SHELL = `cp_file() {
  if ! { [ -e "$2" ] || [ -L "$2" ]; }; then echo "@@file $1 missing"; return; fi
  cp_st=$(stat -c '%f %a %U %G %s' -- "$2" 2>/dev/null) || { echo "@@file $1 error"; return; }
  cp_sum=- cp_link=- cp_data=-
  if [ -L "$2" ]; then
    cp_link=$(printf '%s' "$(readlink -- "$2")" | cp_b64)
  elif [ -f "$2" ]; then
    cp_sum=$(sha256sum 2>/dev/null < "$2")
    cp_sum=\${cp_sum%% *}
    [ -n "$cp_sum" ] || cp_sum=-
    if [ "$3" = 1 ] && [ "$cp_sum" != - ] && [ "\${cp_st##* }" -le ${MAX_CONTENT_BYTES} ]; then
      cp_data=$(cp_b64 < "$2")
    fi
  fi
  echo "@@file $1 $cp_st $cp_sum $cp_link $cp_data"
}`;

/** Paths find takes as its starting points: absolute (a relative one could read as an option of find). */
const batchable = (path: string) => path.startsWith('/');

/**
 * All files are read together: one find for their metadata and link targets, one sha256sum (run by
 * find) for the regular ones, one base64 a file for the contents asked for (run by find, not by a
 * subshell of its own): three or more processes a file before, the most of a no-op run's facts.
 * Record: `@@files KEY b:META b:SUMS b:DATA`, KEY the paths asked (NUL-separated), META
 * `PATH\0TYPE MODE USER GROUP SIZE\0LINK\0` a file there, SUMS `SHA256  PATH\0`, DATA
 * `PATH\0BASE64\0`. A path not in META is missing.
 */
function batchCommand(paths: string[], contentPaths: string[]): string {
  const quoted = paths.map(shellQuote).join(' ');
  const meta = `find ${quoted} -maxdepth 0 -printf '%p\\0%y %m %u %g %s\\0%l\\0' 2>/dev/null`;
  const sums = `find ${quoted} -maxdepth 0 -type f -exec sha256sum -z -- {} + 2>/dev/null`;
  const data =
    contentPaths.length === 0
      ? ''
      : `find ${contentPaths.map(shellQuote).join(' ')} -maxdepth 0 -type f -size -${MAX_CONTENT_BYTES + 1}c -printf '%p\\0' \\( -exec base64 -w0 -- {} \\; -o -true \\) -printf '\\0' 2>/dev/null`;
  return `echo "@@files ${encodeKey(paths.join('\0'))} $(${meta} | cp_b64) $(${sums} | cp_b64) $(${data || 'true'} | cp_b64)"`;
}

export const fileKind: FactKind<'file'> = {
  name: 'file',
  shell: SHELL,
  key: (request) => request.path,
  // asked with and without its content: asked once, with it
  combine: (kept, request) => ({ kind: 'file', path: request.path, ...(request.content || kept?.content ? { content: true } : {}) }),
  batched: true,
  command(requests) {
    const together = requests.filter((request) => batchable(request.path));
    const lines = requests.filter((request) => !batchable(request.path)).map((request) => `cp_file ${encodeKey(request.path)} ${shellQuote(request.path)} ${request.content ? 1 : 0}`);
    if (together.length > 0) {
      lines.push(batchCommand(together.map((request) => request.path), together.filter((request) => request.content).map((request) => request.path)));
    }
    return lines;
  },
  records: {
    file(fields, facts) {
      facts.files.set(decodeKey(fields[0]), parseFileRecord(fields.slice(1)));
    },
    files(fields, facts) {
      for (const [path, fact] of parseFilesRecord(fields)) facts.files.set(path, fact);
    },
  },
  empty: () => ({ files: new Map() }),
  missing: (request, facts) => (facts.files.has(request.path) ? [] : [`file ${request.path}`]),
};

/** The type bits of stat's raw mode (%f). */
function fileTypeFromRawMode(raw: number): FileType {
  switch (raw & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'link';
    default:
      return 'other';
  }
}

function parseFileRecord(fields: string[]): FileFact {
  if (fields[0] === 'missing') return { exists: false };
  if (fields[0] === 'error' || fields.length < 8) throw new FactsError(`facts output: cannot stat a file (${fields.join(' ')})`);
  const [rawHex, perm, owner, group, size, sum, link, data] = fields as [string, string, string, string, string, string, string, string];
  const fact: FileFact = {
    exists: true,
    type: fileTypeFromRawMode(parseInt(rawHex, 16)),
    mode: parseInt(perm, 8),
    owner,
    group,
    size: Number(size),
  };
  if (sum !== '-') fact.sha256 = sum;
  const linkTarget = decodeBlob(link);
  if (linkTarget) fact.linkTarget = linkTarget.toString('utf8');
  const content = decodeBlob(data);
  if (content) fact.content = content;
  return fact;
}

const TYPE_LETTERS: Readonly<Record<string, FileType>> = { f: 'file', d: 'directory', l: 'link' };

/** NUL-terminated fields of find's (or sha256sum -z's) output. */
function nulFields(bytes: Buffer | undefined): string[] {
  if (!bytes || bytes.length === 0) return [];
  const fields = bytes.toString('utf8').split('\0');
  fields.pop();
  return fields;
}

function parseFilesRecord(fields: string[]): Map<string, FileFact> {
  const asked = decodeKey(fields[0]).split('\0');
  const result = new Map<string, FileFact>(asked.map((path) => [path, { exists: false }]));
  const meta = nulFields(decodeBlob(fields[1]));
  if (meta.length % 3 !== 0) throw new FactsError('facts output: a files record cut short');
  for (let i = 0; i < meta.length; i += 3) {
    const [type, mode, owner, group, size] = meta[i + 1]!.split(' ') as [string, string, string, string, string];
    const fact: FileFact = { exists: true, type: TYPE_LETTERS[type] ?? 'other', mode: parseInt(mode, 8), owner, group, size: Number(size) };
    if (fact.type === 'link') fact.linkTarget = meta[i + 2]!;
    result.set(meta[i]!, fact);
  }
  for (const line of nulFields(decodeBlob(fields[2]))) {
    const fact = result.get(line.slice(66));
    if (fact?.exists && fact.type === 'file') fact.sha256 = line.slice(0, 64);
  }
  const data = nulFields(decodeBlob(fields[3]));
  for (let i = 0; i + 1 < data.length; i += 2) {
    const fact = result.get(data[i]!);
    const content = Buffer.from(data[i + 1]!, 'base64');
    // read twice (sha256sum, base64): a file that changed in between keeps its sum, without a content
    if (fact?.exists && fact.sha256 === createHash('sha256').update(content).digest('hex')) fact.content = content;
  }
  return result;
}
