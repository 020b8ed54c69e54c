import { createHash } from 'node:crypto';
import type { FileFact } from '../../facts/types.js';
import { PlanError, type PlannedChange } from '../types.js';
import { attributeChanges, describeAttributes, type WantedAttributes } from './attributes.js';
import { fileDiff } from './diff.js';
import { describeFileType } from './facts.js';
import { script } from './shell.js';
import { writeFileScript } from './write-file.js';

export interface FileContentWanted extends WantedAttributes {
  path: string;
  content: Buffer;
  validate?: string;
  /** a validated write of this file was cut off before the verdict (noInterruptedValidationProbe) */
  interruptedValidation?: boolean;
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Plans one file with wanted content and attributes (template, copy): null when the host's file
 * already is byte for byte and attribute for attribute what is wanted.
 */
export function planFileContent(want: FileContentWanted, fact: FileFact): PlannedChange | null {
  if (!fact.exists) {
    return {
      summary: [`create ${want.path}${describeAttributes(want)}`],
      diff: fileDiff(want.path, undefined, want.content),
      script: script(writeFileScript(want.path, want.content, want, want.validate)),
    };
  }
  if (fact.type === 'directory' || fact.type === 'other') {
    throw new PlanError(`${want.path} is ${describeFileType(fact)}, not a file`);
  }
  const contentSame = fact.type === 'file' && fact.sha256 === sha256(want.content);
  const attributes = attributeChanges(want.path, fact, want);
  if (contentSame && want.validate && want.interruptedValidation) {
    // the content is what we want, but the validator never accepted it: the last validated file goes back, then write and validate
    return {
      summary: [`validate ${want.path} again: a run was cut off before ${want.validate} accepted it`, ...attributes.summary.map((line) => `${want.path}: ${line}`)],
      script: script(writeFileScript(want.path, want.content, want, want.validate)),
    };
  }
  if (contentSame) {
    if (attributes.commands.length === 0) return null;
    return { summary: attributes.summary.map((line) => `${want.path}: ${line}`), script: script(...attributes.commands) };
  }
  const summary: string[] = [];
  let diff: string | undefined;
  if (fact.type === 'link') {
    summary.push(`replace the link ${want.path} -> ${fact.linkTarget ?? '?'} with a file`);
    diff = fileDiff(want.path, undefined, want.content);
  } else if (fact.content) {
    summary.push(`update ${want.path}`);
    diff = fileDiff(want.path, fact.content, want.content);
  } else {
    summary.push(
      fact.sha256
        ? `update ${want.path} (${fact.size} bytes on the host: too large to show a diff)`
        : `update ${want.path} (its content could not be read: run as root to see a diff)`,
    );
  }
  summary.push(...attributes.summary.map((line) => `${want.path}: ${line}`));
  // cp_put copies the old file's attributes first, so unchanged ones stay as they are
  return { summary, ...(diff ? { diff } : {}), script: script(writeFileScript(want.path, want.content, want, want.validate)) };
}
