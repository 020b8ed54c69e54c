import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { FileFact, TreeFact } from '../facts/types.js';
import { ignoreFilter, type IgnoreScope } from '../input/source-ignore.js';
import { memoizedInRun } from '../input/run-memo.js';
import { noteInputRead, noteUploadedTree } from '../input/read-log.js';
import { PlanError, defineModule, type PlannedChange } from './types.js';
import { attributeChanges, attributeCommands, type WantedAttributes } from './lib/attributes.js';
import { planFileContent } from './lib/file-content.js';
import { sha256 } from './lib/file-content.js';
import { describeFileType, needFact } from './lib/facts.js';
import { absolutePathSchema, accountNameSchema, defaultFileMode, formatMode, modeSchema } from './lib/mode.js';
import { script, shellQuote } from './lib/shell.js';
import { noInterruptedValidationProbe, PUT_FUNCTION, putFile } from './lib/write-file.js';

const schema = z
  .strictObject({
    /** a local file or directory on the controller (relative: to the inventory's directory) */
    src: z.string().min(1).optional(),
    /** the file's content, instead of src */
    content: z.string().optional(),
    dest: absolutePathSchema,
    /** of the file; of every file below dest when src is a directory (default 0644, 0755 if executable, at most the local mode) */
    mode: modeSchema.optional(),
    owner: accountNameSchema.optional(),
    group: accountNameSchema.optional(),
    /** of the directories created or kept below dest when src is a directory (default 0755) */
    directory_mode: modeSchema.optional(),
    /**
     * with a directory src: also leave out what belongs to the controller, not the server
     * (virtualenvs, .env files, node_modules, editor files, inventory and answers files), as the
     * source digest of a service does
     */
    exclude_local_clutter: z.boolean().optional(),
    /** sh command run after writing a single file; on failure the previous file is restored */
    validate: z.string().min(1).optional(),
  })
  .refine((args) => (args.src === undefined) !== (args.content === undefined), {
    message: 'give either src or content (exactly one)',
  });

export interface LocalEntry {
  /** relative to the copied directory, '/'-separated */
  path: string;
  type: 'file' | 'directory' | 'link';
  mode: number;
  content?: Buffer;
  linkTarget?: string;
}

/** A file's `mode` is its local mode when it is read from a file (not given as `content`). */
export type LocalSource = { kind: 'file'; content: Buffer; mode?: number } | { kind: 'directory'; entries: LocalEntry[] };

export type CopyArgs = z.output<typeof schema>;

export interface PreparedCopy extends CopyArgs {
  /** what is uploaded, read on the controller */
  source: LocalSource;
}

/** A file that is uploaded, read on the controller (and noted as an input of the run). */
function readLocalFile(path: string): Buffer {
  const content = readFileSync(path);
  noteInputRead(path, content);
  return content;
}

/** What is uploaded from a local directory: everything but what the ignore rules of `scope` leave out. */
export function readLocalDirectory(root: string, scope: IgnoreScope): LocalEntry[] {
  return memoizedInRun(`readLocalDirectory\0${scope}\0${resolve(root)}`, () => readDirectory(root, scope));
}

function readDirectory(root: string, scope: IgnoreScope): LocalEntry[] {
  noteUploadedTree(root);
  const ignored = ignoreFilter(root, scope);
  const entries: LocalEntry[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      if (ignored(path)) continue;
      const stat = lstatSync(join(root, path));
      if (stat.isDirectory()) {
        entries.push({ path, type: 'directory', mode: stat.mode & 0o7777 });
        walk(path);
      } else if (stat.isSymbolicLink()) {
        entries.push({ path, type: 'link', mode: 0o777, linkTarget: readlinkSync(join(root, path)) });
      } else if (stat.isFile()) {
        entries.push({ path, type: 'file', mode: stat.mode & 0o7777, content: readLocalFile(join(root, path)) });
      }
    }
  };
  walk('');
  return entries;
}

export const copy = defineModule({
  name: 'copy',
  schema,
  prepare(args, context): PreparedCopy {
    if (args.content !== undefined) return { ...args, source: { kind: 'file', content: Buffer.from(args.content, 'utf8') } };
    const path = context.resolveLocal(args.src!);
    let isDirectory: boolean;
    try {
      isDirectory = lstatSync(path).isDirectory();
    } catch (error) {
      throw new Error(`cannot read ${args.src} (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!isDirectory) return { ...args, source: { kind: 'file', content: readLocalFile(path), mode: statSync(path).mode & 0o7777 } };
    if (args.validate) throw new Error('validate works with a single file, not with a directory as src');
    const scope = args.exclude_local_clutter ? 'service-source' : 'directory';
    return { ...args, source: { kind: 'directory', entries: readLocalDirectory(path, scope) } };
  },
  facts(args) {
    if (args.source.kind === 'directory') return [{ kind: 'file', path: args.dest }, { kind: 'tree', path: args.dest }];
    return [
      { kind: 'file', path: args.dest, content: true },
      ...(args.validate ? [{ kind: 'probe' as const, command: noInterruptedValidationProbe(args.dest) }] : []),
    ];
  },
  plan(args, facts) {
    const source = args.source;
    if (source.kind === 'file') {
      // like every file of a copied directory: never more open on the host than locally
      const mode = args.mode ?? (source.mode === undefined ? undefined : defaultFileMode(source.mode));
      const want: WantedAttributes = { mode, owner: args.owner, group: args.group };
      const interruptedValidation = args.validate !== undefined && needFact(facts.probes, noInterruptedValidationProbe(args.dest), 'probe') !== 0;
      return planFileContent({ path: args.dest, content: source.content, ...want, validate: args.validate, interruptedValidation }, needFact(facts.files, args.dest, 'file'));
    }
    return planDirectoryCopy(args, source.entries, needFact(facts.files, args.dest, 'file'), needFact(facts.trees, args.dest, 'directory'));
  },
});

/** Summary lines shown for a directory copy before they are counted instead. */
const MAX_SUMMARY_LINES = 40;

function planDirectoryCopy(args: PreparedCopy, entries: LocalEntry[], rootFact: FileFact, tree: TreeFact): PlannedChange | null {
  const dest = args.dest;
  const owner = { owner: args.owner, group: args.group };
  const directoryWant: WantedAttributes = { ...owner, mode: args.directory_mode ?? 0o755 };
  const summary: string[] = [];
  const commands: string[] = [];
  let writesFiles = false;

  if (!rootFact.exists) {
    summary.push(`create directory ${dest}`);
    commands.push(`mkdir -p -- ${shellQuote(dest)}`, ...attributeCommands(dest, directoryWant));
  } else if (rootFact.type !== 'directory') {
    throw new PlanError(`${dest} is ${describeFileType(rootFact)}, not a directory`);
  } else {
    const changes = attributeChanges(dest, rootFact, directoryWant);
    summary.push(...changes.summary.map((line) => `${dest}: ${line}`));
    commands.push(...changes.commands);
  }

  for (const entry of entries) {
    const path = `${dest}/${entry.path}`;
    const host = tree.entries.get(entry.path);
    if (host && host.type !== entry.type && !(entry.type === 'file' && host.type === 'link')) {
      throw new PlanError(`${path} is a ${host.type} on the host, but a ${entry.type} in ${args.src}`);
    }
    switch (entry.type) {
      case 'directory':
        if (!host) {
          summary.push(`create directory ${path}`);
          commands.push(`mkdir -p -- ${shellQuote(path)}`, ...attributeCommands(path, directoryWant));
        } else {
          const changes = attributeChanges(path, host, directoryWant);
          summary.push(...changes.summary.map((line) => `${path}: ${line}`));
          commands.push(...changes.commands);
        }
        break;
      case 'link':
        if (!host || host.linkTarget !== entry.linkTarget) {
          summary.push(`${host ? 'update' : 'create'} link ${path} -> ${entry.linkTarget}`);
          commands.push(`ln -sfn -- ${shellQuote(entry.linkTarget!)} ${shellQuote(path)}`);
          if (args.owner !== undefined) commands.push(`chown -h ${shellQuote(args.owner)} -- ${shellQuote(path)}`);
          if (args.group !== undefined) commands.push(`chgrp -h ${shellQuote(args.group)} -- ${shellQuote(path)}`);
        }
        break;
      case 'file': {
        const fileWant: WantedAttributes = { ...owner, mode: args.mode ?? defaultFileMode(entry.mode) };
        const content = entry.content ?? Buffer.alloc(0);
        if (host?.type === 'file' && host.sha256 === sha256(content)) {
          const changes = attributeChanges(path, host, fileWant);
          summary.push(...changes.summary.map((line) => `${path}: ${line}`));
          commands.push(...changes.commands);
        } else {
          summary.push(`${host ? 'update' : 'create'} ${path} (${content.length} bytes, mode ${formatMode(fileWant.mode!)})`);
          commands.push(putFile(path, content, fileWant));
          writesFiles = true;
        }
        break;
      }
    }
  }
  if (commands.length === 0) return null;
  const shown = summary.length > MAX_SUMMARY_LINES ? [...summary.slice(0, MAX_SUMMARY_LINES), `… and ${summary.length - MAX_SUMMARY_LINES} more changes below ${dest}`] : summary;
  return { summary: shown, script: script(writesFiles ? PUT_FUNCTION : undefined, ...commands) };
}
