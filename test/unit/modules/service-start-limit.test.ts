/**
 * Issue 14, defect 17: a unit that cannot start is restarted a few times, then systemd gives up
 * (its start limit, templates/clam-service.service.ejs). apply's error then says what the journal
 * said: the service's own traceback, not systemd's lines about the restarts and the limit.
 */
import test from 'ava';
import { LOG_BEGIN, LOG_END, describeScriptFailure } from '../../../src/modules/lib/service-logs.js';
import { uwsgiImportFailure } from './fake-systemd.js';

test('a unit that hit its start limit: the error shows the import error of its last start, not the restarts', (t) => {
  const attempt = uwsgiImportFailure('clam-shout', ["ModuleNotFoundError: No module named 'lxml'"]);
  const journal = [
    ...Array.from({ length: 5 }, (_, i) => [attempt.trimEnd(), `clam-shout.service: Scheduled restart job, restart counter is at ${i + 1}.`].join('\n')),
    'clam-shout.service: Start request repeated too quickly.',
    "clam-shout.service: Failed with result 'exit-code'.",
    'Failed to start clam-shout.service - CLAM webservice shout (uWSGI).',
  ].join('\n');
  // what cp_systemctl (src/modules/service.ts) prints when the unit ends up failed
  const stderr = [
    'Job for clam-shout.service failed because the control process exited with error code.',
    'See "systemctl status clam-shout.service" and "journalctl -xeu clam-shout.service" for details.',
    'clam-shout did not start: it is failed',
    `${LOG_BEGIN} clam-shout's journal`,
    journal,
    LOG_END,
  ].join('\n');
  const error = describeScriptFailure({ code: 1, stdout: '', stderr });
  t.regex(error, /^clam-shout did not start: it is failed$/m);
  t.regex(error, /ModuleNotFoundError: No module named 'lxml'/);
  t.notRegex(error, /repeated too quickly|restart counter|systemctl status/);
});
