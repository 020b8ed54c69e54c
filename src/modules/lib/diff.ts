import { createTwoFilesPatch } from 'diff';

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
  return createTwoFilesPatch(
    oldContent ? path : '/dev/null',
    path,
    oldContent?.toString('utf8') ?? '',
    newContent.toString('utf8'),
    undefined,
    undefined,
    { context: 3 },
  );
}

/** A diff for a file that disappears. */
export function removalDiff(path: string, oldContent: Buffer | undefined): string | undefined {
  if (!oldContent) return undefined;
  if (isBinary(oldContent)) return `Binary files ${path} and /dev/null differ\n`;
  return createTwoFilesPatch(path, '/dev/null', oldContent.toString('utf8'), '', undefined, undefined, { context: 3 });
}
