import path from 'node:path';
import {
  WEBSERVER_CHOICES,
  defaultKeyFile,
  defaultPipPackages,
  defaultServiceName,
  defaultSudo,
  defaultTrustedHost,
  defaultUrlPrefix,
  expandPath,
  splitList,
  type AnswerContext,
  type ServerAnswers,
} from './answers.js';
import type { CheckServer } from './connection-check.js';
import { BECOME_PASSWORD_VARIABLE } from './inventory-yaml.js';
import type { Terminal } from './prompts.js';
import * as rules from './rules.js';

export interface DialogueDeps extends AnswerContext {
  env: NodeJS.ProcessEnv;
  checkServer: CheckServer;
}

/** A server as the dialogue collects it: the keys of the answers file, paths as typed. */
interface RawServer {
  address: string;
  user: string;
  port: number;
  key_file: string;
  sudo: boolean;
  sudo_password: boolean;
}

interface RawService {
  name: string;
  source: string;
  wsgi: string;
  url_prefix: string;
  pip_packages: string[];
}

const ANOTHER = '\u0000another';
const AGENT = '';

/**
 * Asks every question and returns the answers as a plain object with the keys of an answers file
 * (what `init --answers FILE` reads); the caller checks it with `checkAnswers` like a file.
 */
export async function askAnswers(t: Terminal, deps: DialogueDeps): Promise<Record<string, unknown>> {
  const valid = (problem: string | undefined) => problem ?? true;
  const full = (value: string) => expandPath(value, deps);

  t.say('This writes an inventory for clamprovision: the servers, and the webservices to put on them.');
  t.say('Press Enter to accept the suggestion shown in (parentheses); Ctrl+C quits without writing anything.\n');

  const servers: RawServer[] = [];
  do {
    t.say(`— Server ${servers.length + 1} —`);
    let server = await askServer(t, deps, servers, undefined);
    for (;;) {
      const outcome = (await t.confirm({ message: `Test the SSH connection to ${server.user}@${server.address} now?`, default: true }))
        ? await testConnection(t, server, deps)
        : 'continue';
      if (outcome !== 'edit') break;
      server = await askServer(t, deps, servers, server);
    }
    servers.push(server);
  } while (await t.confirm({ message: 'Add another server (the same services are deployed to each)?', default: false }));

  t.say('\n— Webserver —');
  const webserver = await t.select({
    message: 'Which webserver should serve the services?',
    choices: WEBSERVER_CHOICES.map((choice) => ({ value: choice.value, name: `${choice.value.padEnd(12)}  ${choice.description}`, short: choice.value })),
    default: 'nginx',
  });

  const services: RawService[] = [];
  do {
    const index = services.length;
    t.say(`\n— Webservice ${index + 1} —`);
    const source = await t.input({
      message: 'Local directory of the service (uploaded to the server):',
      default: index === 0 ? '.' : '',
      validate: (value) => valid(rules.sourceDirProblem(full(value))),
    });
    const sourceDir = full(source);
    const wsgi = await askWsgi(t, sourceDir);
    const takenNames = services.map((s) => s.name);
    const name = await t.input({
      message: 'Service name (letters, digits and _):',
      default: defaultServiceName(wsgi, takenNames),
      validate: (value) => valid(rules.serviceNameProblem(value.trim(), takenNames)),
    });
    const urlPrefix = await t.input({
      message: 'URL prefix it is served under (/ for the root of the site):',
      default: defaultUrlPrefix(name.trim(), index),
      validate: (value) => valid(rules.urlPrefixProblem(value.trim(), services.map((s) => s.url_prefix))),
    });
    const packages = await t.input({
      message: 'Extra pip packages, comma-separated (e.g. clam; empty: none):',
      default: defaultPipPackages(sourceDir, wsgi).join(', '),
      validate: (value) => valid(splitList(value).map(rules.pipPackageProblem).find(Boolean)),
    });
    services.push({ name: name.trim(), source, wsgi, url_prefix: urlPrefix.trim(), pip_packages: splitList(packages) });
  } while (await t.confirm({ message: 'Add another webservice?', default: false }));

  t.say('\n— Site —');
  const serverName = await t.input({
    message: 'Server name (the DNS name in the URL, or the address):',
    default: servers[0]!.address,
    validate: (value) => valid(rules.serverNameProblem(value.trim())),
  });
  let tls: { cert: string; key: string } | { acme: { email: string } } | undefined;
  if (await t.confirm({ message: 'Serve HTTPS with a certificate you have (cert and key files)?', default: false })) {
    const cert = await t.input({ message: 'Certificate file (PEM, with the chain):', validate: (value) => valid(rules.readableFileProblem(full(value), 'certificate file')) });
    const key = await t.input({ message: 'Private key file of the certificate (PEM):', validate: (value) => valid(rules.readableFileProblem(full(value), 'private key file')) });
    tls = { cert, key };
  } else if (
    rules.acmeServerNameProblem(serverName.trim()) === undefined &&
    (await t.confirm({ message: `Serve HTTPS with a certificate from Let's Encrypt for ${serverName.trim()} (the name must point at the server, port 80 open)?`, default: false }))
  ) {
    const email = await t.input({ message: "Email address for Let's Encrypt (expiry notices):", validate: (value) => valid(rules.emailProblem(value.trim())) });
    tls = { acme: { email: email.trim() } };
  }
  const firewall = await t.confirm({ message: 'Manage the firewall (ufw: allow SSH and HTTP(S), deny the rest)?', default: true });

  let indexUrl: string | undefined;
  let trustedHost: string | undefined;
  if (await t.confirm({ message: 'Use a private package index instead of PyPI (offline sites)?', default: false })) {
    indexUrl = (await t.input({ message: 'Index URL (like https://pypi.example.org/simple):', validate: (value) => valid(rules.indexUrlProblem(value.trim())) })).trim();
    const plainHttpHost = defaultTrustedHost(indexUrl);
    if (plainHttpHost !== null) {
      trustedHost = await t.input({
        message: 'The index is plain http; pip must be told to trust its host:',
        default: plainHttpHost,
        validate: (value) => valid(rules.trustedHostProblem(value.trim())),
      });
    }
  }

  const answers: Record<string, unknown> = { servers, webserver, services, server_name: serverName.trim() };
  if (tls) answers.tls = tls;
  answers.firewall = firewall;
  if (indexUrl) answers.pip_index_url = indexUrl;
  if (trustedHost) answers.pip_trusted_host = trustedHost.trim();
  return answers;
}

async function askServer(t: Terminal, deps: DialogueDeps, others: RawServer[], previous: RawServer | undefined): Promise<RawServer> {
  const valid = (problem: string | undefined) => problem ?? true;
  const address = (
    await t.input({
      message: 'Server address (DNS name or IP):',
      ...(previous ? { default: previous.address } : {}),
      validate: (value) => {
        const trimmed = value.trim();
        if (others.some((s) => s.address === trimmed)) return `${trimmed} is already in the list`;
        return valid(rules.addressProblem(trimmed));
      },
    })
  ).trim();
  const user = (await t.input({ message: 'SSH user:', default: previous?.user ?? 'root', validate: (value) => valid(rules.userProblem(value.trim())) })).trim();
  const port = (await t.number({ message: 'SSH port:', default: previous?.port ?? 22, validate: (value) => valid(rules.portProblem(value)) })) ?? 22;

  const keyChoices: Array<{ value: string; name: string }> = [];
  for (const name of ['id_ed25519', 'id_rsa']) {
    const file = path.join(deps.home, '.ssh', name);
    if (rules.keyFileProblem(file) === undefined) keyChoices.push({ value: `~/.ssh/${name}`, name: `the key ~/.ssh/${name}` });
  }
  keyChoices.push({ value: AGENT, name: 'the ssh-agent (no key file in the inventory)' }, { value: ANOTHER, name: 'another key file…' });
  const defaultKey = defaultKeyFile(deps.home);
  const previousKey = previous?.key_file;
  const keyDefault =
    previousKey !== undefined && keyChoices.some((c) => c.value === previousKey)
      ? previousKey
      : previousKey !== undefined
        ? ANOTHER
        : defaultKey
          ? `~/.ssh/${path.basename(defaultKey)}`
          : AGENT;
  let keyFile = await t.select({ message: 'Log in with:', choices: keyChoices, default: keyDefault });
  if (keyFile === ANOTHER) {
    keyFile = (
      await t.input({
        message: 'Private key file:',
        ...(previousKey ? { default: previousKey } : {}),
        validate: (value) => valid(rules.keyFileProblem(expandPath(value.trim(), deps))),
      })
    ).trim();
  }

  let sudo = false;
  let sudoPassword = false;
  if (user !== 'root') {
    sudo = await t.confirm({ message: `Use sudo to become root (${user} is not root)?`, default: previous?.sudo ?? defaultSudo(user) });
    if (sudo) {
      sudoPassword = await t.confirm({ message: `Does sudo ask ${user} for a password on that server?`, default: previous?.sudo_password ?? true });
      if (sudoPassword) {
        t.say(
          `  The password is not stored: the inventory reads it from $${BECOME_PASSWORD_VARIABLE} when you run plan/apply\n` +
            `  (read -rs ${BECOME_PASSWORD_VARIABLE} && export ${BECOME_PASSWORD_VARIABLE}), or pass -K to be asked for it.`,
        );
      }
    }
  }
  return { address, user, port, key_file: keyFile, sudo, sudo_password: sudoPassword };
}

async function askWsgi(t: Terminal, sourceDir: string): Promise<string> {
  const valid = (problem: string | undefined) => problem ?? true;
  const found = rules.findWsgiScripts(sourceDir);
  if (found.length > 0) {
    const choice = await t.select({
      message: 'WSGI script of the service:',
      choices: [...found.map((file) => ({ value: file, name: file })), { value: ANOTHER, name: 'another file…' }],
      default: found[0],
    });
    if (choice !== ANOTHER) return choice;
  } else {
    t.say(`  No *.wsgi file in ${sourceDir}.`);
  }
  return (
    await t.input({
      message: `WSGI script (path inside ${sourceDir}):`,
      validate: (value) => valid(rules.wsgiProblem(value.trim(), sourceDir)),
    })
  ).trim();
}

type TestOutcome = 'ok' | 'edit' | 'continue';

async function testConnection(t: Terminal, raw: RawServer, deps: DialogueDeps): Promise<TestOutcome> {
  const server: ServerAnswers = { ...raw, key_file: raw.key_file === AGENT ? null : expandPath(raw.key_file, deps) };
  let becomePassword: string | undefined;
  if (server.sudo && server.sudo_password) {
    becomePassword = deps.env[BECOME_PASSWORD_VARIABLE];
    if (becomePassword !== undefined) t.say(`  Testing sudo with the password in $${BECOME_PASSWORD_VARIABLE}.`);
    else {
      const typed = await t.password({ message: `sudo password of ${server.user}, for this test only (not stored; Enter skips):`, mask: true });
      becomePassword = typed === '' ? undefined : typed;
    }
  }
  const where = `${server.user}@${server.address}:${server.port}`;
  let acceptNewHostKey = false;
  for (;;) {
    t.say(`  Connecting to ${where} …`);
    const result = await deps.checkServer(server, { acceptNewHostKey, ...(becomePassword === undefined ? {} : { becomePassword }) });
    if (result.ok) {
      t.say(`  ✔ connected: ${result.os}`);
      if (result.sudo === 'works') t.say(`  ✔ sudo works (${server.user} becomes root)`);
      else if (result.sudo === 'skipped') t.say('  - sudo not tested (no password given)');
      else if (result.sudo !== 'not used') {
        t.say(`  ✘ sudo does not work: ${result.sudo.failed}`);
        t.say(`    ${server.user} must be allowed to use sudo on the server (e.g. in the group sudo), with the password you gave.`);
        const next = await whatNow(t);
        if (next === 'retry') continue;
        return next;
      }
      return 'ok';
    }
    if (result.unknownHostKey && !acceptNewHostKey) {
      t.say(`  The server's host key is not in ~/.ssh/known_hosts yet. Its fingerprint:\n    ${result.unknownHostKey.keyType} ${result.unknownHostKey.fingerprint}`);
      t.say('  Compare it with the server\'s own (there: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) or ask its administrator.');
      if (await t.confirm({ message: 'Is it the same? Trust it and record it in ~/.ssh/known_hosts?', default: false })) {
        acceptNewHostKey = true;
        continue;
      }
      t.say('  Not trusted: plan and apply refuse this server until its key is known (or run them with --accept-new-host-keys).');
      return 'continue';
    }
    t.say(`  ✘ ${result.problem}`);
    const hint = connectionHint(result.problem, server);
    if (hint) t.say(`    ${hint}`);
    const next = await whatNow(t);
    if (next !== 'retry') return next;
  }
}

function connectionHint(problem: string, server: ServerAnswers): string | undefined {
  if (problem.startsWith('authentication failed')) {
    const key = server.key_file ? `${server.key_file}.pub` : 'your public key';
    return `Is ${key} in ~/.ssh/authorized_keys of ${server.user} on the server? (ssh-copy-id -i ${key} -p ${server.port} ${server.user}@${server.address})`;
  }
  if (problem.startsWith('connection refused')) return `Nothing listens on port ${server.port}: check the SSH port.`;
  if (problem.startsWith('timed out') || problem.startsWith('no route')) return 'Check the address, and that a firewall lets you reach the SSH port.';
  if (problem.startsWith('cannot resolve')) return 'Check the spelling of the address.';
  return undefined;
}

async function whatNow(t: Terminal): Promise<TestOutcome | 'retry'> {
  return t.select<TestOutcome | 'retry'>({
    message: 'What now?',
    choices: [
      { value: 'retry', name: 'test again (after fixing it on the server)' },
      { value: 'edit', name: 'change the settings of this server' },
      { value: 'continue', name: 'keep these settings and go on' },
    ],
    default: 'retry',
  });
}
