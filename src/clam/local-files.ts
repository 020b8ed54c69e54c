import { readFileSync } from 'node:fs';
import path from 'node:path';
import { secrets } from '../core/secrets.js';
import { localText, pathExists, pathKind } from '../input/local-lookups.js';
import { localPath, unreadableFile } from '../inventory/connection.js';
import { listSourceFiles, SourceTreeError } from './source-tree.js';

/** What the CLAM schema reads on the controller: a service's source tree, its WSGI script, the TLS files. */

/** Whether a WSGI script's text imports CLAM (the wizard then offers pip_packages: [clam]). */
export function scriptImportsClam(script: string): boolean {
  return /^\s*(import\s+clam\b|from\s+clam\b)/m.test(script);
}

export function wsgiFileImportsClam(wsgiFile: string): boolean {
  const script = localText(wsgiFile);
  return script !== undefined && scriptImportsClam(script);
}

/** A service pip-installs its own source when it is a Python project. */
export function isPythonProject(source: string): boolean {
  return pathExists(path.join(source, 'pyproject.toml')) || pathExists(path.join(source, 'setup.py'));
}

/**
 * CONFIGFILE for CLAM's loadconfig(): `NAME.config.yml` (or .yaml) beside the WSGI script, else the
 * only `*.config.yml` of the source (top level or one directory down); none when that is ambiguous
 * (CLAM then searches itself).
 */
export function clamConfigFile(source: string, srcDir: string, localWsgi: string): { CONFIGFILE?: string } {
  const relative = (file: string) => path.relative(source, file).split(path.sep).join('/');
  const stem = path.basename(localWsgi).replace(/\.[^.]*$/, '');
  for (const extension of ['yml', 'yaml']) {
    const beside = path.join(path.dirname(localWsgi), `${stem}.config.${extension}`);
    if (isFile(beside)) return { CONFIGFILE: `${srcDir}/${relative(beside)}` };
  }
  const found = listSourceFiles(source).filter((file) => file.split('/').length <= 2 && /\.config\.ya?ml$/.test(file));
  return found.length === 1 ? { CONFIGFILE: `${srcDir}/${found[0]}` } : {};
}

export type TlsFiles = { cert: string; key: string };

/**
 * The certificate and key resolved against the inventory's directory, with what is wrong with
 * each; a readable key's lines become secrets.
 */
export function readTlsFiles(tls: TlsFiles, inventoryDir: string): { files: TlsFiles; problems: Partial<TlsFiles> } {
  const files = { cert: localPath(tls.cert, inventoryDir), key: localPath(tls.key, inventoryDir) };
  const problems: Partial<TlsFiles> = {};
  for (const which of ['cert', 'key'] as const) {
    const problem = unreadableFile(files[which]);
    if (problem !== undefined) problems[which] = problem;
  }
  if (problems.key === undefined) registerPrivateKey(files.key);
  return { files, problems };
}

// The key is uploaded to the host; a diff of it shows it line by line, so every line is a secret.
function registerPrivateKey(file: string): void {
  const content = readFileSync(file, 'utf8');
  secrets.add(content.trim());
  for (const line of content.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) secrets.add(line.trim());
}

/** What is wrong with a service's source directory, after its path; undefined when nothing. */
export function sourceDirProblem(source: string): string | undefined {
  if (!isDirectory(source)) return pathExists(source) ? 'is not a directory' : 'does not exist';
  try {
    listSourceFiles(source);
  } catch (error) {
    if (error instanceof SourceTreeError) return error.message;
    throw error;
  }
  return undefined;
}

function isDirectory(file: string): boolean {
  return pathKind(file) === 'directory';
}

export function isFile(file: string): boolean {
  return pathKind(file) === 'file';
}
