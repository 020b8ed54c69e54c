import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipResolutionKey } from '../../../src/facts/kinds/pip-resolution.js';
import type { VenvFact } from '../../../src/facts/types.js';
import { pip } from '../../../src/modules/pip.js';
import type { ModuleDefinition } from '../../../src/modules/types.js';
import type { ModuleTask } from '../../../src/playbook/types.js';
import { WheelBroker } from '../../../src/wheels/wheel-broker.js';
import { WheelCache } from '../../../src/wheels/wheel-cache.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { hostFacts } from '../modules/host-facts.js';
import { resolution, UWSGI_SHA } from '../wheels/fixtures.js';
import { play, runEngine } from './engine-fixtures.js';

const VENV = '/opt/clam/hello/venv';
const WHEEL = 'uWSGI-2.0.21-cp311-cp311-linux_x86_64.whl';
const args = pip.schema.parse({ name: ['uwsgi'], virtualenv: VENV });
const task: ModuleTask = { kind: 'module', name: 'Python packages', module: pip as ModuleDefinition<unknown>, args, when: undefined, scope: {}, notify: [], tags: [] };
const INSTALLED: VenvFact = { exists: true, python: '3.11.2', packages: new Map([['uwsgi', '2.0.21']]), markers: new Map() };

/** A host without the virtualenv whose pip would build uWSGI from its sdist; building and installing work. */
function freshHost(address: string): FakeHost {
  const facts = hostFacts({ venvs: new Map([[VENV, { exists: false, packages: new Map(), markers: new Map() }]]) });
  const request = { virtualenv: VENV, requirements: ['uwsgi'], extra_args: '' };
  facts.pipResolutions.set(pipResolutionKey(request), { resolution: resolution([{ name: 'uwsgi', version: '2.0.21', source: 'sdist', sha256: UWSGI_SHA }]) });
  const wheelLine = `CLAMPROVISION-WHEEL ${Buffer.from(WHEEL).toString('base64')} ${Buffer.from('wheel').toString('base64')}\n`;
  return new FakeHost(address, facts)
    .on('pip wheel', { stdout: wheelLine })
    .on('-m pip install', { effect: (f) => f.venvs.set(VENV, INSTALLED) });
}

const summary = (run: Awaited<ReturnType<typeof runEngine>>, host: string) => run.result(host).tasks[0]?.summary?.join('\n') ?? '';
const broker = () => new WheelBroker(new WheelCache(mkdtempSync(join(tmpdir(), 'wheels-'))));

test('plan: the first host would build the wheel, the next would take it once built; nothing is built', async (t) => {
  const hosts = [freshHost('10.0.0.1'), freshHost('10.0.0.2')];
  const run = await runEngine(hosts, [play([task])], { mode: 'plan', forks: 1, wheels: broker() });
  t.regex(summary(run, '10.0.0.1'), /install uwsgi==2\.0\.21 \(new virtualenv; build wheel, then cache\)/);
  t.regex(summary(run, '10.0.0.2'), /install uwsgi==2\.0\.21 \(new virtualenv; from the controller's wheel cache, once 10\.0\.0\.1 has built it\)/);
  t.deepEqual(hosts.map((h) => h.taskScripts.length), [0, 0]);
  t.deepEqual(hosts.map((h) => h.factsReads), [2, 2], 'the facts, then what pip would install');
});

test('apply: two hosts at once build the wheel once; the other gets it uploaded; a later run builds nothing', async (t) => {
  const wheels = broker();
  const hosts = [freshHost('10.0.0.1'), freshHost('10.0.0.2')];
  const run = await runEngine(hosts, [play([task])], { wheels });
  t.deepEqual(run.results.map((r) => r.status), ['changed', 'changed']);
  t.deepEqual(hosts.map((h) => h.scriptsWith('pip wheel').length).sort(), [0, 1]);
  t.deepEqual(hosts.map((h) => h.scriptsWith('.upload').length).sort(), [0, 1]);
  for (const host of hosts) t.regex(host.scriptsWith('-m pip install')[0] ?? '', /export PIP_FIND_LINKS="\$cp_wheels"/);
  t.truthy(wheels.cache.find({ platform: 'debian-12-x86_64-cpython3.11', sha256: UWSGI_SHA }));

  const later = freshHost('10.0.0.3');
  const again = await runEngine([later], [play([task])], { wheels: new WheelBroker(new WheelCache(wheels.cache.dir)) });
  t.regex(summary(again, '10.0.0.3'), /\(new virtualenv; from the controller's wheel cache\)/);
  t.deepEqual(later.scriptsWith('pip wheel'), []);
  t.is(later.scriptsWith('.upload').length, 1);
});

test('a virtualenv that has everything asks pip nothing: no extra command', async (t) => {
  const host = new FakeHost('10.0.0.1', hostFacts({ venvs: new Map([[VENV, INSTALLED]]) }));
  const run = await runEngine([host], [play([task])], { wheels: broker() });
  t.is(run.result('10.0.0.1').status, 'ok');
  t.is(host.factsReads, 1);
  t.is(run.result('10.0.0.1').commands, 2, 'the lock and the facts');
});
