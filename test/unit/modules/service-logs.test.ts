/**
 * The logs a failing service check or start prints (src/modules/lib/service-logs.ts): what is kept
 * of them, the error built from a script's output, and the shell that collects them, run here with
 * stand-ins for systemctl, journalctl and Apache's error log.
 */
import { join } from 'node:path';
import test from 'ava';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { LOG_BEGIN, LOG_END, describeScriptFailure, logExcerpt, serviceLogFunctions, serviceLogs, splitLogs } from '../../../src/modules/lib/service-logs.js';
import { script } from '../../../src/modules/lib/shell.js';
import { compilePlay } from '../../../src/playbook/compile.js';
import { evaluateCondition } from '../../../src/playbook/expressions.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { ModuleTask } from '../../../src/playbook/types.js';
import { examplesDir, helloService, repoRoot, shoutService } from '../templates/render.js';
import { runOnFakeHost, uwsgiImportFailure } from './fake-systemd.js';
import { assertParses } from './host-facts.js';

// vars_schema: clam and clam_check come from the CLAM plugin, as in the CLI.
registerBuiltinPlugins();

const block = (title: string, ...lines: string[]) => [`${LOG_BEGIN} ${title}`, ...lines, LOG_END].join('\n');

test('a journal excerpt leaves out systemd\'s lines about the unit and keeps the last 20', (t) => {
  const journal = uwsgiImportFailure('clam-shout', ['ImportError: libxslt.so.1: cannot open shared object file: No such file or directory']).split('\n');
  const excerpt = logExcerpt([
    'clam-shout.service: Scheduled restart job, restart counter is at 7.',
    'Stopped clam-shout.service - CLAM webservice shout (uWSGI).',
    'clam-shout.service: Consumed 1.042s CPU time.',
    ...journal,
    'clam-shout.service: Main process exited, code=killed, status=11/SEGV',
  ]);
  // uWSGI's lines, without systemd's before (Starting) and after (exit status, result, Failed to start)
  t.deepEqual(excerpt, [
    ...journal.slice(1, -4),
    'clam-shout.service: Main process exited, code=killed, status=11/SEGV',
  ], 'a crash by a signal is news, an exit status is not');
  const long = Array.from({ length: 50 }, (_, i) => `line ${i}`);
  t.deepEqual(logExcerpt(long), long.slice(30));
});

test('Apache\'s error log lines lose their time, module and pid prefix', (t) => {
  t.deepEqual(
    logExcerpt([
      "[Tue Dec 01 05:00:00.123456 2026] [wsgi:error] [pid 4242:tid 140001] [remote 127.0.0.1:50000] mod_wsgi (pid=4242): Failed to exec Python script file '/etc/clam/shout/app.wsgi'.",
      '[Tue Dec 01 05:00:00.123500 2026] [wsgi:error] [pid 4242:tid 140001] [remote 127.0.0.1:50000] Traceback (most recent call last):',
      '[Tue Dec 01 05:00:00.123600 2026] [wsgi:error] [pid 4242:tid 140001] [remote 127.0.0.1:50000]   File "/etc/clam/shout/app.wsgi", line 44, in <module>',
      '[Tue Dec 01 05:00:00.123700 2026] [wsgi:error] [pid 4242:tid 140001] RuntimeError: boom',
    ]),
    ["mod_wsgi (pid=4242): Failed to exec Python script file '/etc/clam/shout/app.wsgi'.", 'Traceback (most recent call last):', '  File "/etc/clam/shout/app.wsgi", line 44, in <module>', 'RuntimeError: boom'],
  );
});

test('without a log the error is the end of stderr, else of stdout, else the exit status (as before)', (t) => {
  const many = Array.from({ length: 30 }, (_, i) => `e${i}`).join('\n');
  t.is(describeScriptFailure({ code: 1, stdout: 'out', stderr: `${many}\n` }), Array.from({ length: 15 }, (_, i) => `e${i + 15}`).join('\n'));
  t.is(describeScriptFailure({ code: 1, stdout: 'only stdout\n', stderr: '' }), 'only stdout');
  t.is(describeScriptFailure({ code: 7, stdout: '', stderr: '' }), 'exit status 7');
  t.is(describeScriptFailure({ code: 1, stdout: '', stderr: 'Created symlink /etc/x → /y.\n' }), 'Created symlink /etc/x → /y.', 'other modules\' output is theirs');
});

test('with a log: systemctl\'s pointers left out, the log\'s last lines indented under its title, then cause and hint', (t) => {
  const stderr = [
    'Job for clam-shout.service failed because the control process exited with error code.',
    'See "systemctl status clam-shout.service" and "journalctl -xeu clam-shout.service" for details.',
    'clam-shout did not start: it is activating (auto-restart)',
    block("clam-shout's journal", ...uwsgiImportFailure('clam-shout', ['ImportError: libxslt.so.1: cannot open shared object file: No such file or directory']).split('\n')),
    '',
  ].join('\n');
  t.is(
    describeScriptFailure({ code: 1, stdout: '', stderr }),
    [
      'clam-shout did not start: it is activating (auto-restart)',
      "clam-shout's journal, last lines:",
      '  [uWSGI] getting INI configuration from /etc/clam/shout/uwsgi.ini',
      '  *** Starting uWSGI 2.0.28 (64bit) on [Tue Dec  1 05:00:00 2026] ***',
      '  Traceback (most recent call last):',
      '    File "/etc/clam/shout/app.wsgi", line 33, in <module>',
      '      import clam.clamservice',
      '    File "/opt/clam/shout/venv/lib/python3.11/site-packages/clam/clamservice.py", line 40, in <module>',
      '      from lxml import etree',
      '  ImportError: libxslt.so.1: cannot open shared object file: No such file or directory',
      "  unable to load app 0 (mountpoint='/shout') (callable not found or import error)",
      '  *** no app loaded. GAME OVER ***',
      'cause: ImportError: libxslt.so.1: cannot open shared object file: No such file or directory',
      'hint: libxslt.so.1 is missing on the host; it comes with the Debian package libxslt1.1: install it with apt_packages: [libxslt1.1]',
    ].join('\n'),
  );
  t.is(describeScriptFailure({ code: 1, stdout: '', stderr: `GET x: HTTP 502\n${block("clam-x's journal", '-- No entries --')}\n` }), "GET x: HTTP 502\nclam-x's journal: empty");
});

test('splitLogs keeps the order of the script\'s lines and its logs; an unterminated log runs to the end', (t) => {
  const { parts, logs } = splitLogs(`a\n${block('one', 'x')}\nb\n${LOG_BEGIN} two\ny\n`);
  t.deepEqual(parts, ['a', { title: 'one', lines: ['x'] }, 'b', { title: 'two', lines: ['y', ''] }]);
  t.is(logs.length, 2);
});

test('the journals of the units that are not running are shown; of all of them when each one runs', (t) => {
  const run = (active: Record<string, string>) => {
    const body = script(...serviceLogFunctions(['clam-a', 'clam-b'], []), serviceLogs(['clam-a', 'clam-b'], []));
    assertParses(body);
    return runOnFakeHost(body, { active, journals: { 'clam-a': 'a says\n', 'clam-b': 'b says\n' } });
  };
  const oneDown = run({ 'clam-b': 'activating' });
  t.is(oneDown.code, 0);
  t.is(oneDown.stderr, block("clam-b's journal", 'b says') + '\n');
  t.deepEqual(oneDown.journalctl, ['-q -u clam-b -n 200 --no-pager -o cat']);
  t.is(run({}).stderr, `${block("clam-a's journal", 'a says')}\n${block("clam-b's journal", 'b says')}\n`);
});

test('a mod_wsgi process group\'s lines of Apache\'s error log: by its running daemons\' pids and the lines naming it', (t) => {
  const prefix = (pid: number) => `[Tue Dec 01 05:00:00.1 2026] [wsgi:error] [pid ${pid}:tid 1] [remote 127.0.0.1:5]`;
  const log = [
    `${prefix(100)} old traceback of a daemon that is gone`,
    `[Tue Dec 01 05:00:00.1 2026] [wsgi:error] [pid 100:tid 1] mod_wsgi (pid=100): Process 'clam-shout' has died, deregister and restart it.`,
    `${prefix(300)} a line of clam-shoutroot's daemon`,
    `[Tue Dec 01 05:00:00.1 2026] [wsgi:info] [pid 300:tid 1] mod_wsgi (pid=300, process='clam-shoutroot', application=''): Loading Python script file '/etc/clam/shoutroot/app.wsgi'.`,
    `${prefix(200)} Traceback (most recent call last):`,
    `${prefix(200)} RuntimeError: boom`,
    '[Tue Dec 01 05:00:01.0 2026] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 configured -- resuming normal operations',
    '',
  ].join('\n');
  const body = script(...serviceLogFunctions([], ['clam-shout']), serviceLogs([], ['clam-shout']));
  assertParses(body);
  const result = runOnFakeHost(body, { apacheErrorLog: log, daemonPids: { 'clam-shout': [200, 201], 'clam-shoutroot': [300] } });
  t.is(result.code, 0, result.stderr);
  const { logs } = splitLogs(result.stderr);
  t.is(logs[0]!.title, "Apache's error log (/var/log/apache2/error.log) for clam-shout");
  t.deepEqual(logExcerpt(logs[0]!.lines), [
    'old traceback of a daemon that is gone',
    "mod_wsgi (pid=100): Process 'clam-shout' has died, deregister and restart it.",
    'Traceback (most recent call last):',
    'RuntimeError: boom',
  ], 'not the lines of clam-shoutroot, whose name starts alike');
});

test('the built-in playbook hands the health checks the units (uWSGI) or process groups (mod_wsgi) to show the logs of', (t) => {
  const playbook = loadPlaybook(join(repoRoot, 'playbooks', 'clam-webservice.yml'));
  const checks = (webserver: string) => {
    const vars = { webserver, services: [shoutService('/shout'), helloService('/hello')] };
    const play = compilePlay(playbook, playbook.plays[0]!, { name: 'web1', vars, inventoryDir: examplesDir });
    const facts = { os: { id: 'debian', versionId: '12', codename: 'bookworm' }, init: 'systemd' };
    const tasks = play.tasks.filter((task): task is ModuleTask => task.kind === 'module' && evaluateCondition(task.when, { ...task.scope, facts }));
    const argsOf = (module: string) => tasks.find((task) => task.module.name === module)?.args;
    return { http: argsOf('http_check'), clam: argsOf('clam_check') };
  };
  for (const webserver of ['nginx', 'apache-uwsgi']) {
    t.like(checks(webserver), { http: { units: ['clam-hello'], wsgi_process_groups: [] }, clam: { units: ['clam-shout'], wsgi_process_groups: [], env_file: '/etc/clam/shout/env' } }, webserver);
  }
  t.like(checks('apache-wsgi'), { http: { units: [], wsgi_process_groups: ['clam-hello'] }, clam: { units: [], wsgi_process_groups: ['clam-shout'] } });
});
