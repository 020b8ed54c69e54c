/**
 * ava's configuration. The lab files run three at a time (test/run-tests.ts), in this
 * order: the longest first, so that none of them starts last and stretches the whole run.
 */
export const files = ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/faults/**/*.test.ts'];

export const LONGEST_FIRST = [
  'test/e2e/zero-downtime.test.ts',
  'test/e2e/clam-nginx.test.ts',
  'test/e2e/clam-apache-wsgi.test.ts',
  'test/e2e/clam-apache-uwsgi.test.ts',
  'test/e2e/clam-nginx-trixie.test.ts',
  'test/e2e/clam-failures.test.ts',
];

const rank = (file) => {
  const index = LONGEST_FIRST.findIndex((name) => file.endsWith(name));
  return index === -1 ? LONGEST_FIRST.length : index;
};

export default {
  files,
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  timeout: '10m',
  sortTestFiles: (a, b) => rank(a) - rank(b) || a.localeCompare(b, [], { numeric: true }),
};
