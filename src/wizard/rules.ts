import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CONFIG_WORD, CONFIG_WORD_RULE, httpUrl, isDnsName, leavesSourceDir, PIP_REQUIREMENT, port, SERVICE_NAME, urlPrefixRule } from '../clam/rules.js';
import { unreadableFile } from '../inventory/connection.js';

/**
 * The checks of every answer, shared by the dialogue (inquirer's `validate`) and `--answers`.
 * Each returns the reason an answer is wrong, or undefined when it is fine. What becomes a CLAM
 * variable is checked by the schema's own rules (src/clam/rules.ts), so validate takes it too.
 */

export function addressProblem(value: string): string | undefined {
  if (value.trim() === '') return 'give the server\'s DNS name or IP address';
  if (!/^[A-Za-z0-9._:-]+$/.test(value)) return `'${value}' is not a host name or IP address (letters, digits, . - : only)`;
  return undefined;
}

export function userProblem(value: string): string | undefined {
  if (value === '') return 'give the user name to log in with (root, or a user who may sudo)';
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value)) return `'${value}' is not a valid login name`;
  return undefined;
}

export function portProblem(value: unknown): string | undefined {
  return port.safeParse(value).success ? undefined : `the port must be a whole number from 1 to 65535, not ${JSON.stringify(value)}`;
}

export function keyFileProblem(file: string): string | undefined {
  if (file.endsWith('.pub')) return `${file} is a public key: give the private key (the same name without .pub)`;
  const problem = unreadableFile(file);
  return problem ? `the key file ${file} ${problem}` : undefined;
}

export function serviceNameProblem(name: string, taken: readonly string[]): string | undefined {
  if (!SERVICE_NAME.test(name)) {
    return `'${name}' is not a valid name: use letters, digits and _ only (it names the systemd unit clam-NAME and /opt/clam/NAME)`;
  }
  if (taken.includes(name)) return `another service is already called '${name}'`;
  return undefined;
}

export function sourceDirProblem(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    readdirSync(dir);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `the directory ${dir} does not exist`;
    if (code === 'EACCES') return `the directory ${dir} is not readable (permission denied)`;
    return `cannot read ${dir} (${code ?? (error as Error).message})`;
  }
}

/** `wsgi` is relative to the source directory, as in the inventory. */
export function wsgiProblem(wsgi: string, sourceDir: string): string | undefined {
  if (wsgi.trim() === '') return 'give the path of the WSGI script inside the source directory';
  if (path.isAbsolute(wsgi)) return 'give the path relative to the source directory';
  const relative = path.normalize(wsgi);
  if (leavesSourceDir(wsgi)) return `${wsgi} is outside the source directory ${sourceDir}`;
  const problem = unreadableFile(path.join(sourceDir, relative));
  return problem ? `the WSGI script ${path.join(sourceDir, relative)} ${problem}` : undefined;
}

export function urlPrefixProblem(prefix: string, taken: readonly string[]): string | undefined {
  const rule = urlPrefixRule(prefix);
  if (rule !== undefined) return `the URL prefix ${rule}`;
  if (taken.includes(prefix)) return `another service is already served at ${prefix}`;
  return undefined;
}

export function pipPackageProblem(requirement: string): string | undefined {
  return PIP_REQUIREMENT.test(requirement) ? undefined : `'${requirement}' is not a pip requirement like clam or clam>=3.2`;
}

export function serverNameProblem(name: string): string | undefined {
  if (name === '') return 'give the name the service is reached by (a DNS name, or the IP address)';
  return CONFIG_WORD.test(name) ? undefined : `'${name}' ${CONFIG_WORD_RULE}`;
}

export function readableFileProblem(file: string, what: string): string | undefined {
  const problem = unreadableFile(file);
  return problem ? `the ${what} ${file} ${problem}` : undefined;
}

/** Let's Encrypt validates a DNS name that points at the server (HTTP-01 on port 80). */
export function acmeServerNameProblem(name: string): string | undefined {
  return isDnsName(name) ? undefined : `a certificate from Let's Encrypt needs a DNS name as server_name, not '${name}'`;
}

export function emailProblem(value: string): string | undefined {
  return z.email().safeParse(value).success ? undefined : `'${value}' is not an email address`;
}

const indexUrl = httpUrl('not an http(s) URL');

export function indexUrlProblem(url: string): string | undefined {
  return indexUrl.safeParse(url).success ? undefined : `'${url}' is not an http(s) URL like https://pypi.example.org/simple`;
}

export function trustedHostProblem(host: string): string | undefined {
  return CONFIG_WORD.test(host) ? undefined : `'${host}' must be a host name (optionally :port) without spaces`;
}

/** The WSGI entry points of a source tree (*.wsgi, three levels deep), relative and sorted. */
export function findWsgiScripts(dir: string): string[] {
  const found: string[] = [];
  const skip = new Set(['node_modules', 'venv', 'env', '__pycache__', 'site-packages', 'build', 'dist']);
  const walk = (relative: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isFile() && entry.name.endsWith('.wsgi')) found.push(child);
      else if (entry.isDirectory() && depth < 3 && !skip.has(entry.name)) walk(child, depth + 1);
    }
  };
  walk('', 1);
  return found.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}
