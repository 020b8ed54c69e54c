import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipResolutionRecord, pipResolutionKey, type PipResolutionRequest } from '../../../src/facts/kinds/pip-resolution.js';
import { parseFactsOutput } from '../../../src/facts/parse.js';
import { buildFactsScript } from '../../../src/facts/script.js';
import { runScript } from '../modules/host-facts.js';
import { pipReportJson } from '../wheels/fixtures.js';

const b64 = (text: string) => `b:${Buffer.from(text).toString('base64')}`;

test('the record: a report, no Python yet, pip failing (a URL in its message loses its user and password)', (t) => {
  const ok = parsePipResolutionRecord(['ok', b64(pipReportJson())]);
  t.true('resolution' in ok && ok.resolution.install.length === 6);
  t.deepEqual(parsePipResolutionRecord(['unavailable', b64('decided at apply (no Python with venv and pip on the host yet)')]), {
    unavailable: 'decided at apply (no Python with venv and pip on the host yet)',
  });
  t.deepEqual(parsePipResolutionRecord(['failed', b64('Looking in indexes: http://user:****@10.0.0.1/simple\nERROR: No matching distribution found for uwsgi (from http://user:s3cret@10.0.0.1/simple)\n')]), {
    unavailable: 'not used (pip install --dry-run failed: ERROR: No matching distribution found for uwsgi (from http://***@10.0.0.1/simple))',
  });
  t.regex((parsePipResolutionRecord(['ok', b64('not json')]) as { unavailable: string }).unavailable, /^not used \(pip's report is not JSON: /);
});

/**
 * A virtualenv whose python is a stand-in for pip: it writes, as its report, the arguments and the
 * index it was given, so the facts script's own logic (which paths it passes, the environment) runs
 * in sh here without a pip.
 */
function fakeVenv(): string {
  const venv = mkdtempSync(join(tmpdir(), 'fake-venv-'));
  mkdirSync(join(venv, 'bin'));
  writeFileSync(join(venv, 'bin', 'pip'), '#!/bin/sh\n');
  writeFileSync(
    join(venv, 'bin', 'python'),
    [
      '#!/bin/sh',
      'report=; while [ $# -gt 0 ]; do case $1 in --report) report=$2; shift;; -*) ;; *) args="$args $1";; esac; shift; done',
      'printf \'{"install":[],"environment":{"python_version":"3.11","platform_machine":"x86_64"},"args":"%s","index":"%s","nocache":"%s"}\' "$args" "$PIP_INDEX_URL" "$PIP_NO_CACHE_DIR" > "$report"',
      '',
    ].join('\n'),
  );
  chmodSync(join(venv, 'bin', 'pip'), 0o755);
  chmodSync(join(venv, 'bin', 'python'), 0o755);
  return venv;
}

test('the facts script asks the virtualenv\'s pip, with the index in its environment, leaving out host paths not there yet', (t) => {
  const venv = fakeVenv();
  const request: PipResolutionRequest & { kind: 'pip_resolution' } = {
    kind: 'pip_resolution',
    virtualenv: venv,
    virtualenv_command: 'python3 -m venv',
    requirements: ['uwsgi', '/nonexistent/src', venv],
    index_url: 'http://user:s3cret@10.0.0.1/simple/',
    extra_args: '--use-pep517',
  };
  const script = buildFactsScript([request]);
  t.false(script.split('\n').some((line) => line.startsWith('cp_pipres ') && line.includes('s3cret')), 'the index is exported, not an argument');
  const { code, stdout } = runScript(script);
  t.is(code, 0);
  const line = stdout.split('\n').find((l) => l.startsWith('@@pipres '))!;
  const fields = line.split(' ');
  t.is(fields[2], 'ok', line);
  const report = JSON.parse(Buffer.from(fields[3]!.slice(2), 'base64').toString()) as { args: string; index: string; nocache: string };
  t.is(report.args.trim(), `pip install uwsgi ${venv}`);
  t.is(report.index, 'http://user:s3cret@10.0.0.1/simple/');
  t.is(report.nocache, '1');
  const facts = parseFactsOutput(stdout, [request]);
  t.like(facts.pipResolutions.get(pipResolutionKey(request)), { resolution: { machine: 'x86_64', pythonVersion: '3.11', install: [] } });
});

test('without a virtualenv and without a way to make one, the wheels are decided at apply', (t) => {
  const request = { kind: 'pip_resolution' as const, virtualenv: '/nonexistent/venv', virtualenv_command: 'false', requirements: ['uwsgi'] };
  const { stdout } = runScript(buildFactsScript([request]));
  t.deepEqual(parseFactsOutput(stdout, [request]).pipResolutions.get(pipResolutionKey(request)), {
    unavailable: 'decided at apply (no Python with venv and pip on the host yet)',
  });
});
