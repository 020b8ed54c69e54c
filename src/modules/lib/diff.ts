import { createRequire } from 'node:module';
import { SECRET_MASK, maskSecretAssignment, secrets } from '../../core/secrets.js';

type DiffLibrary = typeof import('diff');
let diffLibrary: DiffLibrary | undefined;

/** Loaded at the first diff (its CommonJS build, synchronously): a run that changes nothing never pays for it. */
function createTwoFilesPatch(...args: Parameters<DiffLibrary['createTwoFilesPatch']>): string {
  diffLibrary ??= createRequire(import.meta.url)('diff') as DiffLibrary;
  return diffLibrary.createTwoFilesPatch(...args);
}

/** Bytes that are not text: a NUL, or not valid UTF-8. */
export function isBinary(content: Buffer): boolean {
  if (content.includes(0)) return true;
  return !Buffer.from(content.toString('utf8'), 'utf8').equals(content);
}

/**
 * Unified diff of a file's old and new content (old undefined = the file does not exist).
 * Binary content gets a one-line note instead.
 */
export function fileDiff(path: string, oldContent: Buffer | undefined, newContent: Buffer): string {
  if ((oldContent && isBinary(oldContent)) || isBinary(newContent)) {
    return `Binary files ${oldContent ? path : '/dev/null'} and ${path} differ\n`;
  }
  return hideSecretAssignments(
    hideReplacedSecrets(
      withoutIndexHeader(
        createTwoFilesPatch(oldContent ? path : '/dev/null', path, oldContent?.toString('utf8') ?? '', newContent.toString('utf8'), undefined, undefined, { context: 3 }),
      ),
    ),
  );
}

/** Removed, added and context lines that assign a secret-named key show no value (see maskSecretAssignment). */
function hideSecretAssignments(patch: string): string {
  let inHunk = false;
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('@@')) inHunk = true;
      if (!inHunk || !/^[-+ ]/.test(line)) return line;
      return line[0] + maskSecretAssignment(line.slice(1));
    })
    .join('\n');
}

/**
 * Output masking hides the secrets this run knows, but the old content read from the host may hold
 * an earlier value (a rotated secret) that it does not know. So in each block of changed lines where
 * an added line holds a known secret, every removed line is cut off where the secret of its added
 * counterpart starts (or hidden whole): `-KEY="old"` / `+KEY="new"` show as `-KEY="********`.
 */
function hideReplacedSecrets(patch: string): string {
  if (secrets.size === 0) return patch;
  const lines = patch.split('\n');
  const isChange = (line: string | undefined) => line !== undefined && (line.startsWith('-') || line.startsWith('+'));
  let inHunk = false;
  for (let start = 0; start < lines.length; ) {
    if (lines[start]!.startsWith('@@')) inHunk = true;
    if (!inHunk || !isChange(lines[start])) {
      start++;
      continue;
    }
    let end = start;
    while (isChange(lines[end])) end++;
    const block = lines.slice(start, end);
    const added = block.filter((line) => line.startsWith('+')).map((line) => secrets.mask(line.slice(1)));
    if (added.some((line) => line.includes(SECRET_MASK))) {
      let removedIndex = 0;
      for (let i = start; i < end; i++) {
        if (!lines[i]!.startsWith('-')) continue;
        const old = lines[i]!.slice(1);
        const counterpart = added[removedIndex++] ?? '';
        if (maskSecretAssignment(old) !== old) continue; // hidden by its key, which stays readable
        const secretAt = counterpart.indexOf(SECRET_MASK);
        let keep = 0;
        while (keep < secretAt && keep < old.length && old[keep] === counterpart[keep]) keep++;
        lines[i] = `-${old.slice(0, keep)}${SECRET_MASK}`;
      }
    }
    start = end;
  }
  return lines.join('\n');
}

/** The `diff` package starts with "Index:" and "====" lines; `diff -u` and git start at "---". */
function withoutIndexHeader(patch: string): string {
  const start = patch.indexOf('--- ');
  return start > 0 ? patch.slice(start) : patch;
}
