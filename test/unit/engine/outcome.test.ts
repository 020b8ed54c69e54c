import test from 'ava';
import { exitCodeFor } from '../../../src/commands/converge.js';
import type { HostResult } from '../../../src/engine/results.js';
import { unsupportedOsReason } from '../../../src/engine/supported-os.js';

const os = (id: string, versionId: string, codename: string, prettyName = '') => ({ id, versionId, codename, prettyName, idLike: '' });

test('Debian 11-13 and Ubuntu 22.04/24.04 are supported; anything else is named in the reason', (t) => {
  for (const supported of [os('debian', '11', 'bullseye'), os('debian', '12', 'bookworm'), os('debian', '13', 'trixie'), os('ubuntu', '22.04', 'jammy'), os('ubuntu', '24.04', 'noble')]) {
    t.is(unsupportedOsReason(supported), undefined, supported.codename);
  }
  t.regex(unsupportedOsReason(os('debian', '10', 'buster', 'Debian GNU/Linux 10 (buster)'))!, /unsupported OS: Debian GNU\/Linux 10 \(buster\)/);
  t.regex(unsupportedOsReason(os('ubuntu', '20.04', 'focal', 'Ubuntu 20.04.6 LTS'))!, /Ubuntu 20\.04\.6 LTS.*supports Debian 11, 12, 13 and Ubuntu 22\.04, 24\.04/);
  t.regex(unsupportedOsReason(os('fedora', '40', '', 'Fedora Linux 40'))!, /Fedora Linux 40/);
});

function host(status: HostResult['status'], taskStatuses: Array<'ok' | 'changed' | 'failed' | 'skipped'> = []): HostResult {
  return { name: 'h', address: 'a', status, commands: 2, tasks: taskStatuses.map((s) => ({ name: 't', module: 'file', status: s })) };
}

test('exit codes follow the SPEC: 2 only for pending plans, 3 beats 4, 4 when unreachable and none failed', (t) => {
  t.is(exitCodeFor('plan', [host('ok', ['ok'])]), 0);
  t.is(exitCodeFor('plan', [host('changed', ['changed'])]), 2);
  t.is(exitCodeFor('apply', [host('changed', ['changed'])]), 0);
  t.is(exitCodeFor('apply', [host('unreachable'), host('changed', ['changed'])]), 4);
  t.is(exitCodeFor('apply', [host('unreachable'), host('failed', ['failed'])]), 3);
  t.is(exitCodeFor('plan', [host('failed', ['failed']), host('changed', ['changed'])]), 3);
});
