import { appendFileSync, writeFileSync } from 'node:fs';
import type { HostResult, Mode } from '../engine/results.js';
import { renderJunit } from './junit.js';
import { renderStepSummary } from './step-summary.js';

/** The reports for CI: `--junit FILE`, and GitHub's job summary when $GITHUB_STEP_SUMMARY names a file. */
export function writeCiReports(command: string, mode: Mode, hosts: HostResult[], options: { junit?: string }, env: NodeJS.ProcessEnv = process.env): void {
  if (options.junit) writeFileSync(options.junit, renderJunit(command, mode, hosts));
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (summaryFile) appendFileSync(summaryFile, renderStepSummary(command, mode, hosts));
}
