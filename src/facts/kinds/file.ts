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

export const fileKind: FactKind<'file'> = {
  name: 'file',
  shell: SHELL,
  key: (request) => request.path,
  // asked with and without its content: asked once, with it
  combine: (kept, request) => ({ kind: 'file', path: request.path, ...(request.content || kept?.content ? { content: true } : {}) }),
  command: (request) => [`cp_file ${encodeKey(request.path)} ${shellQuote(request.path)} ${request.content ? 1 : 0}`],
  records: {
    file(fields, facts) {
      facts.files.set(decodeKey(fields[0]), parseFileRecord(fields.slice(1)));
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
