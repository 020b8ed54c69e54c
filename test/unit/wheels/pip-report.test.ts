import test from 'ava';
import { parsePipReport, PipReportError } from '../../../src/wheels/pip-report.js';
import { LXML_SHA, pipReportJson, UWSGI_SHA } from './fixtures.js';

test("pip's report: wheels, sdists with their sha256, local trees, the platform", (t) => {
  const report = parsePipReport(pipReportJson());
  t.deepEqual(report, {
    implementation: 'cpython',
    pythonVersion: '3.11',
    machine: 'x86_64',
    install: [
      { name: 'uwsgi', version: '2.0.21', source: 'sdist', sha256: UWSGI_SHA },
      { name: 'clam', version: '3.3.0', source: 'wheel' },
      { name: 'lxml', version: '5.3.0', source: 'sdist', sha256: LXML_SHA },
      { name: 'odd-pkg', version: '1.0', source: 'sdist' },
      { name: 'x', version: '0.1', source: 'tree' },
      { name: 'b', version: '2', source: 'tree' },
    ],
  });
});

test("pip's report: no URL is kept (an index URL may carry credentials)", (t) => {
  t.false(JSON.stringify(parsePipReport(pipReportJson({ withAuth: true }))).includes('s3cret'));
});

test("pip's report: the Python version from the full version when python_version is missing", (t) => {
  const report = parsePipReport(JSON.stringify({ install: [], environment: { python_full_version: '3.13.5', platform_machine: 'aarch64' } }));
  t.is(report.pythonVersion, '3.13');
  t.is(report.machine, 'aarch64');
});

test("pip's report: what is not one is refused", (t) => {
  t.throws(() => parsePipReport('Looking in indexes: …'), { instanceOf: PipReportError });
  t.throws(() => parsePipReport('{"version": "1"}'), { instanceOf: PipReportError, message: /no install list/ });
  t.throws(() => parsePipReport('{"install": [{"metadata": {}}]}'), { instanceOf: PipReportError, message: /install\[0\]/ });
});
