import test from 'ava';
import { LIBRARY_PACKAGES, failureHints, pythonException } from '../../../src/modules/lib/failure-hints.js';

const traceback = (...end: string[]) => [
  'Traceback (most recent call last):',
  '  File "/etc/clam/shout/app.wsgi", line 44, in <module>',
  '    application = runpy.run_path(SCRIPT)["application"]',
  '                  ^^^^^^^^^^^^^^^^^^^^^^',
  ...end,
];

test('a missing shared library of the table: its Debian package, to install with apt_packages', (t) => {
  const lines = traceback('ImportError: libxslt.so.1: cannot open shared object file: No such file or directory', 'unable to load app 0 (mountpoint=\'/shout\') (callable not found or import error)');
  t.deepEqual(failureHints(lines), [
    'cause: ImportError: libxslt.so.1: cannot open shared object file: No such file or directory',
    'hint: libxslt.so.1 is missing on the host; it comes with the Debian package libxslt1.1: install it with apt_packages: [libxslt1.1]',
  ]);
});

test('every library of the table names its package', (t) => {
  const expected: Array<[string, string]> = [
    ['libxslt.so.1', 'libxslt1.1'], ['libexslt.so.0', 'libxslt1.1'], ['libxml2.so.2', 'libxml2'], ['libpq.so.5', 'libpq5'],
    ['libmariadb.so.3', 'libmariadb3'], ['libz.so.1', 'zlib1g'], ['libffi.so.8', 'libffi8'], ['libssl.so.3', 'libssl3'],
    ['libcrypto.so.3', 'libssl3'], ['libyaml-0.so.2', 'libyaml-0-2'],
  ];
  t.is(Object.keys(LIBRARY_PACKAGES).length, expected.length);
  for (const [library, pkg] of expected) {
    const hints = failureHints([`ImportError: ${library}: cannot open shared object file: No such file or directory`]);
    t.true(hints.at(-1)!.endsWith(`install it with apt_packages: [${pkg}]`), `${library}: ${hints.join(' | ')}`);
  }
});

test('a library not in the table: apt-file search finds its package; outside Python too (a program that cannot start)', (t) => {
  const hints = failureHints(['/opt/clam/x/venv/bin/uwsgi: error while loading shared libraries: libpython3.11.so.1.0: cannot open shared object file: No such file or directory']);
  t.deepEqual(hints, ['hint: libpython3.11.so.1.0 is missing on the host: `apt-file search libpython3.11.so.1.0` names the Debian package that ships it; install that with apt_packages: [PACKAGE]']);
});

test('a module that is not installed: pip_packages or PYTHONPATH; a module with another pip name gets that name', (t) => {
  t.deepEqual(failureHints(traceback("ModuleNotFoundError: No module named 'frog'")), [
    "cause: ModuleNotFoundError: No module named 'frog'",
    'hint: add frog to pip_packages, or put its directory on PYTHONPATH',
  ]);
  t.is(failureHints(["ModuleNotFoundError: No module named 'yaml'"]).at(-1), 'hint: add PyYAML (it provides the module yaml) to pip_packages, or put its directory on PYTHONPATH');
  // Python 2's wording, without quotes
  t.is(failureHints(['ImportError: No module named frog']).at(-1), 'hint: add frog to pip_packages, or put its directory on PYTHONPATH');
});

test('a dotted module that is missing: its package was found, so the hint is about the name and the version', (t) => {
  t.is(failureHints(["ModuleNotFoundError: No module named 'clam.config.nothere'"]).at(-1), 'hint: clam has no module clam.config.nothere: check the name in the import, and which version of clam is installed');
});

test('any other exception: its last line is the cause, with no hint', (t) => {
  t.deepEqual(failureHints(traceback('RuntimeError: boom from the wsgi')), ['cause: RuntimeError: boom from the wsgi']);
  t.deepEqual(failureHints(traceback('lxml.etree.XMLSyntaxError: Start tag expected, \'<\' not found, line 1, column 1')), [
    "cause: lxml.etree.XMLSyntaxError: Start tag expected, '<' not found, line 1, column 1",
  ]);
  t.deepEqual(failureHints(['nginx: [emerg] unknown directive "uwsgi_pas" in /etc/nginx/conf.d/clam.conf:12']), [], 'nothing known: nothing said');
});

test('the last traceback counts: chained exceptions, and an older failure still in the log', (t) => {
  const lines = [
    ...traceback('ImportError: libxslt.so.1: cannot open shared object file: No such file or directory'),
    '*** no app loaded. GAME OVER ***',
    ...traceback("KeyError: 'SECRET'"),
    '',
    'During handling of the above exception, another exception occurred:',
    '',
    ...traceback('RuntimeError: boom'),
  ];
  t.is(pythonException(lines), 'RuntimeError: boom');
  t.deepEqual(failureHints(lines), ['cause: RuntimeError: boom'], 'the library of an earlier attempt is not blamed');
});

test('an exception line without a traceback (CLAM\'s dispatcher check prints only that line)', (t) => {
  t.is(
    pythonException(["CLAM's dispatcher could not import the settings module 'shout' (as user clam, with /etc/clam/shout/env): x", "ModuleNotFoundError: No module named 'shout'"]),
    "ModuleNotFoundError: No module named 'shout'",
  );
  t.is(pythonException(['*** no app loaded. GAME OVER ***', 'unable to load app 0 (mountpoint=\'/\') (callable not found or import error)']), undefined);
});
