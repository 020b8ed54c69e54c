import type { PipResolution } from '../../../src/wheels/pip-report.js';

export const UWSGI_SHA = 'a'.repeat(64);
export const LXML_SHA = 'b'.repeat(64);

/** What pip 23 (Debian 12) reports for uwsgi + clam into a new virtualenv, abridged to the fields read. */
export function pipReportJson(options: { withAuth?: boolean } = {}): string {
  const index = options.withAuth ? 'http://user:s3cret@10.0.0.1:3141' : 'http://10.0.0.1:3141';
  return JSON.stringify({
    version: '1',
    pip_version: '23.0.1',
    install: [
      {
        download_info: { url: `${index}/packages/uwsgi-2.0.21.tar.gz`, archive_info: { hash: `sha256=${UWSGI_SHA}` } },
        is_direct: false,
        requested: true,
        metadata: { metadata_version: '2.1', name: 'uWSGI', version: '2.0.21' },
      },
      {
        download_info: { url: `${index}/packages/clam-3.3.0-py3-none-any.whl`, archive_info: { hashes: { sha256: 'c'.repeat(64) } } },
        requested: true,
        metadata: { name: 'CLAM', version: '3.3.0' },
      },
      {
        download_info: { url: `${index}/packages/lxml-5.3.0.tar.gz#sha256=${LXML_SHA}`, archive_info: { hashes: { sha256: LXML_SHA } } },
        requested: false,
        metadata: { name: 'lxml', version: '5.3.0' },
      },
      {
        download_info: { url: `${index}/packages/odd_pkg-1.0.zip`, archive_info: {} },
        metadata: { name: 'odd.pkg', version: '1.0' },
      },
      { download_info: { url: 'file:///opt/clam/x/src', dir_info: {} }, is_direct: true, metadata: { name: 'x', version: '0.1' } },
      { download_info: { url: 'https://github.com/a/b', vcs_info: { vcs: 'git', commit_id: 'f'.repeat(40) } }, metadata: { name: 'b', version: '2' } },
    ],
    environment: { implementation_name: 'cpython', platform_machine: 'x86_64', python_full_version: '3.11.2', python_version: '3.11', sys_platform: 'linux' },
  });
}

export function resolution(install: PipResolution['install']): PipResolution {
  return { implementation: 'cpython', pythonVersion: '3.11', machine: 'x86_64', install };
}
