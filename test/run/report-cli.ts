/**
 * `tsx test/run/report-cli.ts [DIR]`: what .ci/run prints after `npm test`, the census and the line
 * `N passed, N failed, N skipped` from the results npm test kept (report.ts), that line last.
 * Exits 0 only when nothing failed, the census found nothing and at least one test passed.
 */
import { report, RESULTS_DIR } from './report.js';

const result = report(process.argv[2] ?? RESULTS_DIR);
const lines = [...result.lines];
const noPass = result.counts.passed === 0;
if (noPass) lines.splice(lines.length - 1, 0, 'report: no test passed');
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = result.ok && !noPass ? 0 : 1;
