import { readFileSync } from 'node:fs';

/** clamprovision's version, from its package.json (written into saved plans, shown by --version). */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
