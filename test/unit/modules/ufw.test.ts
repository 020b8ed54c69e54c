import test from 'ava';
import { parseUfwUserRules } from '../../../src/facts/kinds/ufw.js';
import type { UfwFact } from '../../../src/facts/types.js';
import { PlanError } from '../../../src/modules/types.js';
import { normalizeAddress, ufw } from '../../../src/modules/ufw.js';
import { assertParses, hostFacts } from './host-facts.js';

const context = { taskName: 'ufw', inHandler: false };
const args = (input: unknown) => ufw.schema.parse(input);

/** user.rules / user6.rules as ufw 0.36 writes them after the given `ufw` commands. */
function tuples(lines: string[]): string {
  return ['*filter', ':ufw-user-input - [0:0]', '### RULES ###', '', ...lines.flatMap((line) => [line, '-A ufw-user-input ...', '']), '### END RULES ###'].join('\n');
}

function ufwFact(v4: string[], v6: string[], overrides: Partial<UfwFact> = {}): UfwFact {
  return {
    installed: true,
    readable: true,
    enabled: false,
    ipv6: true,
    defaults: { incoming: 'deny', outgoing: 'allow', routed: 'deny' },
    rules: [...parseUfwUserRules(tuples(v4), false), ...parseUfwUserRules(tuples(v6), true)],
    ...overrides,
  };
}

const SSH_V4 = '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in';
const SSH_V6 = '### tuple ### allow tcp 22 ::/0 any ::/0 in';
const HTTP_V4 = '### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in';
const HTTP_V6 = '### tuple ### allow tcp 80 ::/0 any ::/0 in';

const CLAM = { state: 'enabled', default_incoming: 'deny', default_outgoing: 'allow', rules: [{ rule: 'allow', port: '80', proto: 'tcp' }], purge: true };

test('fresh ufw: SSH is allowed first, then the rules, the defaults that differ, then enable', (t) => {
  const change = ufw.plan(args(CLAM), hostFacts({ ufw: ufwFact([], []) }), context)!;
  t.deepEqual(change.summary, ['add rule allow 22/tcp (the SSH port in use)', 'add rule allow 80/tcp', 'enable ufw']);
  const lines = change.script.split('\n').filter((line) => line.startsWith('ufw '));
  t.deepEqual(lines, [
    'ufw allow in proto tcp from any to any port 22 >/dev/null',
    'ufw allow in proto tcp from any to any port 80 >/dev/null',
    'ufw --force enable >/dev/null',
  ]);
  assertParses(change.script);
});

test('converged: nothing to do (the v4 and v6 halves of a rule count as one)', (t) => {
  const facts = hostFacts({ ufw: ufwFact([SSH_V4, HTTP_V4], [SSH_V6, HTTP_V6], { enabled: true }) });
  t.is(ufw.plan(args(CLAM), facts, context), null);
});

test('a rule missing its IPv6 half is added again', (t) => {
  const facts = hostFacts({ ufw: ufwFact([SSH_V4, HTTP_V4], [SSH_V6], { enabled: true }) });
  t.deepEqual(ufw.plan(args(CLAM), facts, context)!.summary, ['add rule allow 80/tcp']);
  const v4only = hostFacts({ ufw: ufwFact([SSH_V4, HTTP_V4], [], { enabled: true, ipv6: false }) });
  t.is(ufw.plan(args(CLAM), v4only, context), null, 'with IPV6=no only the v4 half is expected');
});

test('the SSH port in use is the one allowed (sshd on 2222)', (t) => {
  const change = ufw.plan(args(CLAM), hostFacts({ sshPort: 2222, ufw: ufwFact([HTTP_V4], [HTTP_V6]) }), context)!;
  t.deepEqual(change.summary, ['add rule allow 2222/tcp (the SSH port in use)', 'enable ufw']);
});

test('an existing limit rule or port range covering SSH is enough', (t) => {
  const limit = hostFacts({ ufw: ufwFact(['### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', HTTP_V4], [HTTP_V6], { enabled: true }) });
  t.is(ufw.plan(args({ ...CLAM, purge: false }), limit, context), null);
  const range = args({ state: 'enabled', rules: [{ rule: 'allow', port: '20:30/tcp' }] });
  t.deepEqual(ufw.plan(range, hostFacts({ ufw: ufwFact([], []) }), context)!.summary, ['add rule allow 20:30/tcp', 'enable ufw']);
});

test('purge deletes unlisted rules once for both halves, never the SSH rule, never unmanaged ones', (t) => {
  const facts = hostFacts({
    ufw: ufwFact(
      [SSH_V4, HTTP_V4, '### tuple ### allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in', '### tuple ### allow any 53 0.0.0.0/0 any 0.0.0.0/0 in_eth1', '### tuple ### route:allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in'],
      [SSH_V6, HTTP_V6, '### tuple ### allow tcp 8080 ::/0 any ::/0 in'],
      { enabled: true },
    ),
  });
  const change = ufw.plan(args({ ...CLAM, rules: [{ rule: 'allow', port: '80/tcp' }] }), facts, context)!;
  t.deepEqual(change.summary, ['delete rule allow 8080/tcp']);
  t.deepEqual(change.script.split('\n').filter((line) => line.startsWith('ufw ')), ['ufw delete allow in proto tcp from any to any port 8080 >/dev/null']);
});

test('without purge, other rules stay', (t) => {
  const facts = hostFacts({ ufw: ufwFact([SSH_V4, HTTP_V4, '### tuple ### deny tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in'], [SSH_V6, HTTP_V6], { enabled: true }) });
  t.is(ufw.plan(args({ ...CLAM, purge: false }), facts, context), null);
});

test('defaults are set only when they differ', (t) => {
  const facts = hostFacts({ ufw: ufwFact([SSH_V4, HTTP_V4], [SSH_V6, HTTP_V6], { enabled: true, defaults: { incoming: 'allow', outgoing: 'allow', routed: 'deny' } }) });
  const change = ufw.plan(args(CLAM), facts, context)!;
  t.deepEqual(change.summary, ['default incoming allow -> deny']);
  t.deepEqual(change.script.split('\n').filter((line) => line.startsWith('ufw ')), ['ufw default deny incoming >/dev/null']);
});

test('a source network is normalized like ufw does; v4 sources have no v6 half', (t) => {
  t.is(normalizeAddress('10.1.2.3/8'), '10.0.0.0/8');
  t.is(normalizeAddress('192.168.1.7/32'), '192.168.1.7');
  t.is(normalizeAddress('0.0.0.0/0'), 'any');
  t.is(normalizeAddress('2001:DB8::/32'), '2001:db8::/32');
  t.is(normalizeAddress('not-an-ip'), undefined);
  const wanted = args({ rules: [{ rule: 'allow', port: '5432/tcp', from: '10.1.2.3/8' }] });
  const facts = hostFacts({ ufw: ufwFact(['### tuple ### allow tcp 5432 0.0.0.0/0 any 10.0.0.0/8 in'], []) });
  t.is(ufw.plan(wanted, facts, context), null);
  t.deepEqual(ufw.plan(wanted, hostFacts({ ufw: ufwFact([], []) }), context)!.summary, ['add rule allow 5432/tcp from 10.0.0.0/8']);
});

test('ports: lists are sorted like ufw keeps them; ranges and lists need a protocol', (t) => {
  t.deepEqual(args({ rules: [{ rule: 'allow', port: '443,80', proto: 'tcp' }] }).rules[0], { rule: 'allow', port: '80,443', proto: 'tcp', from: 'any' });
  t.false(ufw.schema.safeParse({ rules: [{ rule: 'allow', port: '8000:8100' }] }).success);
  t.false(ufw.schema.safeParse({ rules: [{ rule: 'allow', port: '80/sctp' }] }).success);
  t.false(ufw.schema.safeParse({ rules: [{ rule: 'allow', port: '70000' }] }).success);
  t.false(ufw.schema.safeParse({ rules: [{ rule: 'allow', port: '80/udp', proto: 'tcp' }] }).success);
});

test('ufw not installed yet (an earlier task installs it): planned against the package defaults', (t) => {
  const change = ufw.plan(args(CLAM), hostFacts({ ufw: { ...ufwFact([], []), installed: false } }), context)!;
  t.deepEqual(change.summary, ['add rule allow 22/tcp (the SSH port in use) (ufw is not installed yet)', 'add rule allow 80/tcp (ufw is not installed yet)', 'enable ufw']);
  t.regex(change.script, /\[ -x \/usr\/sbin\/ufw \] \|\| \{ printf '%s\\n' 'ufw is not installed'/);
});

test('unreadable rule files (not root) are an error, not an empty rule set', (t) => {
  t.throws(() => ufw.plan(args(CLAM), hostFacts({ ufw: ufwFact([], [], { readable: false }) }), context), { instanceOf: PlanError, message: /become/ });
});

test('disable', (t) => {
  const change = ufw.plan(args({ state: 'disabled' }), hostFacts({ ufw: ufwFact([SSH_V4], [SSH_V6], { enabled: true }) }), context)!;
  t.deepEqual(change.summary, ['disable ufw']);
  t.is(ufw.plan(args({ state: 'disabled' }), hostFacts({ ufw: ufwFact([], []) }), context), null);
});

test('SSH allowed only from the controller\'s network is enough; from another network it is not', (t) => {
  const wanted = args({ state: 'enabled', rules: [{ rule: 'allow', port: '22/tcp', from: '10.0.0.0/8' }] });
  const inside = ufw.plan(wanted, hostFacts({ sshClientAddress: '10.1.2.3', ufw: ufwFact([], []) }), context)!;
  t.deepEqual(inside.summary, ['add rule allow 22/tcp from 10.0.0.0/8', 'enable ufw']);
  const outside = ufw.plan(wanted, hostFacts({ sshClientAddress: '192.0.2.7', ufw: ufwFact([], []) }), context)!;
  t.deepEqual(outside.summary, ['add rule allow 22/tcp (the SSH port in use)', 'add rule allow 22/tcp from 10.0.0.0/8', 'enable ufw']);
});

test('a kept host rule that denies the SSH port comes first: the SSH allow is inserted before it, not appended', (t) => {
  const denyRange = hostFacts({ ufw: ufwFact(['### tuple ### deny tcp 20:30 0.0.0.0/0 any 0.0.0.0/0 in'], ['### tuple ### deny tcp 20:30 ::/0 any ::/0 in']) });
  const change = ufw.plan(args({ ...CLAM, purge: false }), denyRange, context)!;
  t.deepEqual(change.summary, [
    "insert rule allow 22/tcp first (the SSH port in use; the host's rule deny 20:30/tcp comes before it)",
    'add rule allow 80/tcp',
    'enable ufw',
  ]);
  t.deepEqual(change.script.split('\n').filter((line) => line.startsWith('ufw ')).slice(0, 1), ['ufw insert 1 allow in proto tcp from any to any port 22 >/dev/null']);
  assertParses(change.script);
});

test('a deny-all rule before an existing SSH allow: the allow is moved to the top', (t) => {
  const facts = hostFacts({ ufw: ufwFact(['### tuple ### deny any any 0.0.0.0/0 any 0.0.0.0/0 in', SSH_V4], ['### tuple ### deny any any ::/0 any ::/0 in', SSH_V6]) });
  const change = ufw.plan(args({ state: 'enabled' }), facts, context)!;
  t.deepEqual(change.script.split('\n').filter((line) => line.startsWith('ufw ')), [
    'ufw delete allow in proto tcp from any to any port 22 >/dev/null',
    'ufw insert 1 allow in proto tcp from any to any port 22 >/dev/null',
    'ufw --force enable >/dev/null',
  ]);
});

test('a deny on another port, or one after the SSH allow, changes nothing', (t) => {
  const after = hostFacts({ ufw: ufwFact([SSH_V4, '### tuple ### deny any any 0.0.0.0/0 any 0.0.0.0/0 in'], [SSH_V6], { enabled: true }) });
  t.is(ufw.plan(args({ state: 'enabled' }), after, context), null);
  const other = hostFacts({ ufw: ufwFact(['### tuple ### deny tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in'], []) });
  t.deepEqual(ufw.plan(args({ state: 'enabled' }), other, context)!.summary, ['add rule allow 22/tcp (the SSH port in use)', 'enable ufw']);
});
