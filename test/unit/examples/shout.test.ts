/**
 * What the Shout example needs to deploy as a source directory, checked without Python (the job
 * itself runs in `npm run demo`): CLAM runs the wrapper through its #! line, finds
 * SYSTEM_ID.config.yml beside the settings module, and imports the module by name.
 */
import test from 'ava';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/shout');
const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');

test('the wrapper is executable and run by python3 from PATH (the virtualenv first)', (t) => {
  t.truthy(statSync(path.join(dir, 'shout_wrapper.py')).mode & 0o111);
  t.true(read('shout_wrapper.py').startsWith('#!/usr/bin/env python3\n'));
});

test('COMMAND runs the wrapper beside the settings module with CLAM\'s three arguments', (t) => {
  const settings = read('shout.py');
  t.regex(settings, /^COMMAND = WEBSERVICEDIR \+ "\/shout_wrapper\.py \$DATAFILE \$STATUSFILE \$OUTPUTDIRECTORY"$/m);
  t.regex(settings, /^WEBSERVICEDIR = os\.path\.dirname\(os\.path\.abspath\(__file__\)\)$/m);
  t.regex(settings, /^SYSTEM_ID = "shout"$/m);
  t.regex(settings, /^loadconfig\(__name__\)$/m);
});

test('the external configuration takes ROOT from CLAM_ROOT and is found by the system id', (t) => {
  t.true(existsSync(path.join(dir, 'shout.config.yml')));
  t.deepEqual(parse(read('shout.config.yml')), {
    root: '{{CLAM_ROOT=/tmp/shout-userdata}}',
    use_forwarded_host: '{{CLAM_USE_FORWARDED_HOST|bool=false}}',
    debug: false,
  });
});

test('the WSGI script is the CLAM way, and the directory is source, not a pip package', (t) => {
  const lines = read('shout.wsgi').split('\n').filter((line) => line.trim() && !line.startsWith('#'));
  t.deepEqual(lines, ['import clam.clamservice', 'import shout', 'application = clam.clamservice.run_wsgi(shout)']);
  t.false(existsSync(path.join(dir, 'setup.py')));
  t.false(existsSync(path.join(dir, 'pyproject.toml')));
});
