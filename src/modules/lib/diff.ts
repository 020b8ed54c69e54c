import { createRequire } from 'node:module';

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
  return withoutIndexHeader(
    createTwoFilesPatch(oldContent ? path : '/dev/null', path, oldContent?.toString('utf8') ?? '', newContent.toString('utf8'), undefined, undefined, { context: 3 }),
  );
}

/** The `diff` package starts with "Index:" and "====" lines; `diff -u` and git start at "---". */
function withoutIndexHeader(patch: string): string {
  const start = patch.indexOf('--- ');
  return start > 0 ? patch.slice(start) : patch;
}
