import test from 'ava';
import { apt } from '../../../src/modules/apt.js';
import type { HostFacts, PackageFact } from '../../../src/facts/types.js';
import { assertParses, hostFacts } from './host-facts.js';

const context = { taskName: 'apt', inHandler: false };
const args = (input: unknown) => apt.schema.parse(input);
const packages = (entries: Record<string, PackageFact>) => new Map(Object.entries(entries));

test('installed packages: nothing to do, even with stale lists', (t) => {
  const facts = hostFacts({ aptListsAge: 30 * 86400, packages: packages({ nginx: { installed: true, version: '1.22.1-9' } }) });
  t.is(apt.plan(args({ name: 'nginx' }), facts, context), null);
});

test('a missing package with fresh lists is installed without apt-get update', (t) => {
  const facts = hostFacts({ aptListsAge: 60, packages: packages({ nginx: { installed: false, candidate: '1.22.1-9' }, curl: { installed: true, version: '7.88' } }) });
  const change = apt.plan(args({ name: ['curl', 'nginx'] }), facts, context)!;
  t.deepEqual(change.summary, ['install nginx']);
  t.notRegex(change.script, /apt-get[^\n]* update/);
  t.regex(change.script, /DEBIAN_FRONTEND=noninteractive/);
  t.regex(change.script, /NEEDRESTART_MODE=a/);
  t.regex(change.script, /-o DPkg::Lock::Timeout=300/);
  t.regex(change.script, /--force-confdef/);
  t.regex(change.script, /--force-confold/);
  t.regex(change.script, /install -- nginx\n/);
  assertParses(change.script);
});

test('stale lists are updated before installing; the stamp records the update', (t) => {
  const facts = hostFacts({ aptListsAge: 3 * 86400, packages: packages({ ufw: { installed: false, candidate: '0.36.2-1' } }) });
  const change = apt.plan(args({ name: 'ufw' }), facts, context)!;
  t.deepEqual(change.summary, ['update the apt lists (updated 3 days ago)', 'install ufw']);
  const update = change.script.indexOf('update\n');
  t.true(update > 0 && update < change.script.indexOf('install -- ufw'));
  t.regex(change.script, /touch \/var\/lib\/apt\/periodic\/update-success-stamp/);
});

test('lists never updated count as stale', (t) => {
  const facts = hostFacts({ aptListsAge: undefined, packages: packages({ ufw: { installed: false, candidate: '0.36.2-1' } }) });
  t.deepEqual(apt.plan(args({ name: 'ufw' }), facts, context)!.summary, ['update the apt lists (never updated)', 'install ufw']);
});

test('a package apt does not know triggers an update even with fresh lists', (t) => {
  const facts = hostFacts({ aptListsAge: 10, packages: packages({ 'python3-venv': { installed: false, candidate: null } }) });
  const change = apt.plan(args({ name: 'python3-venv' }), facts, context)!;
  t.deepEqual(change.summary, ['update the apt lists (apt does not know python3-venv)', 'install python3-venv']);
});

test('cache_valid_time decides what is stale', (t) => {
  const facts = hostFacts({ aptListsAge: 7200, packages: packages({ zip: { installed: false, candidate: '3.0' } }) });
  t.deepEqual(apt.plan(args({ name: 'zip', cache_valid_time: 86400 }), facts, context)!.summary, ['install zip']);
  t.is(apt.plan(args({ name: 'zip', cache_valid_time: 3600 }), facts, context)!.summary.length, 2);
});

test('update_cache: true updates stale lists with nothing to install; false never updates', (t) => {
  const installed = packages({ zip: { installed: true, version: '3.0' } });
  t.deepEqual(apt.plan(args({ name: 'zip', update_cache: true }), hostFacts({ aptListsAge: 90000, packages: installed }), context)!.summary, [
    'update the apt lists (updated 25 h ago)',
  ]);
  t.is(apt.plan(args({ name: 'zip', update_cache: true }), hostFacts({ aptListsAge: 60, packages: installed }), context), null);
  const unknown = packages({ zip: { installed: false, candidate: null } });
  t.deepEqual(apt.plan(args({ name: 'zip', update_cache: false }), hostFacts({ aptListsAge: 90000, packages: unknown }), context)!.summary, ['install zip']);
});

test('install_recommends: false adds --no-install-recommends', (t) => {
  const facts = hostFacts({ packages: packages({ nginx: { installed: false, candidate: '1' } }) });
  t.regex(apt.plan(args({ name: 'nginx', install_recommends: false }), facts, context)!.script, /install --no-install-recommends -- nginx/);
  t.notRegex(apt.plan(args({ name: 'nginx' }), facts, context)!.script, /no-install-recommends/);
});

test('state: absent removes only what is installed', (t) => {
  const facts = hostFacts({ packages: packages({ apache2: { installed: true, version: '2.4' }, nginx: { installed: false, configFiles: true } }) });
  const change = apt.plan(args({ name: ['apache2', 'nginx'], state: 'absent' }), facts, context)!;
  t.deepEqual(change.summary, ['remove apache2']);
  t.regex(change.script, /remove -- apache2\n/);
  t.is(apt.plan(args({ name: ['nginx'], state: 'absent' }), facts, context), null);
});

test('name=version asks the facts about the package name', (t) => {
  t.deepEqual(apt.facts(args({ name: ['nginx=1.22.1-9', 'curl'] })), [{ kind: 'packages', names: ['nginx', 'curl'] }]);
});

test('the same facts plan the same on Ubuntu 24.04 and 22.04', (t) => {
  for (const os of ['noble', 'jammy'] as const) {
    const facts = hostFacts({ aptListsAge: 60, packages: packages({ nginx: { installed: false, candidate: '1.24.0-2ubuntu7' } }) }, os);
    const change = apt.plan(args({ name: 'nginx' }), facts, context)!;
    t.deepEqual(change.summary, ['install nginx'], os);
    t.regex(change.script, /NEEDRESTART_MODE=a/, os);
  }
});

test('the schema refuses what is not a package name and unknown keys', (t) => {
  t.false(apt.schema.safeParse({ name: 'nginx; rm -rf /' }).success);
  t.false(apt.schema.safeParse({ name: 'nginx', pkg: 'x' }).success);
  t.false(apt.schema.safeParse({ name: 'nginx', state: 'latest' }).success);
});

/** The facts apply reads again after an apt task updated the lists and installed `installed`. */
function afterUpdate(facts: HostFacts, installed: string[]): HostFacts {
  const now = new Map([...facts.packages].map(([name, fact]) => [name, fact.installed ? fact : { ...fact, candidate: fact.candidate ?? '1' }]));
  for (const name of installed) now.set(name, { installed: true, version: now.get(name)!.candidate! });
  return hostFacts({ aptListsAge: 0, packages: now });
}

test('stale lists: plan updates them in the first apt task that needs it only, as apply does', (t) => {
  const facts = hostFacts({
    aptListsAge: 3 * 86400,
    packages: packages({
      python3: { installed: true, version: '3.11' },
      nginx: { installed: false, candidate: '1.22.1-9' },
      ufw: { installed: false, candidate: '0.36.2-1' },
      zip: { installed: false, candidate: null },
    }),
  });
  const tasks = [args({ name: 'python3' }), args({ name: 'nginx' }), args({ name: 'ufw' }), args({ name: 'zip' }), args({ name: 'zip', update_cache: true })];

  // plan: every task from the facts read before anything changed
  const planned = tasks.map((task) => apt.plan(task, facts, context)?.summary ?? null);
  t.deepEqual(planned, [null, ['update the apt lists (updated 3 days ago)', 'install nginx'], ['install ufw'], ['install zip'], ['install zip']]);

  // apply (another run, so facts read anew): read again after each change; the update made zip known
  let current = hostFacts({ ...facts });
  const applied = tasks.map((task) => {
    const change = apt.plan(task, current, context);
    if (change) current = afterUpdate(current, task.name);
    return change?.summary ?? null;
  });
  t.deepEqual(applied, [null, ['update the apt lists (updated 3 days ago)', 'install nginx'], ['install ufw'], ['install zip'], null]);
  t.notRegex(apt.plan(tasks[2]!, facts, context)!.script, /apt-get[^\n]* update/);
});

test('the update planned on one host does not count for another', (t) => {
  const stale = () => hostFacts({ aptListsAge: undefined, packages: packages({ ufw: { installed: false, candidate: '0.36.2-1' } }) });
  const first = stale();
  t.is(apt.plan(args({ name: 'ufw' }), first, context)!.summary.length, 2);
  t.is(apt.plan(args({ name: 'ufw' }), first, context)!.summary.length, 1);
  t.deepEqual(apt.plan(args({ name: 'ufw' }), stale(), context)!.summary, ['update the apt lists (never updated)', 'install ufw']);
});
