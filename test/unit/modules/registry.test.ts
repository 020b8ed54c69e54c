import test from 'ava';
import { registerBuiltinPlugins } from '../../../src/builtin-plugins.js';
import { modules, registerModule } from '../../../src/modules/registry.js';

// vars_schema: clam and clam_check come from the CLAM plugin, as in the CLI.
registerBuiltinPlugins();

const MINIMAL: Record<string, object> = {
  apt: { name: 'nginx' },
  pip: { name: 'uwsgi', virtualenv: '/opt/venv' },
  template: { src: 'a.ejs', dest: '/etc/a' },
  copy: { content: 'x', dest: '/etc/a' },
  file: { path: '/etc/a' },
  htpasswd: { path: '/etc/a', users: { alice: 'x' } },
  user: { name: 'clam' },
  service: { name: 'nginx' },
  ufw: {},
  command: { cmd: 'true' },
  http_check: { urls: ['http://127.0.0.1/'] },
  takeover: {},
  release: { home: '/opt/clam/a', label: 'a', state: 'prune', keep: 5 },
  acme_certificate: {
    domain: 'clam.example.org',
    email: 'admin@example.org',
    directory: 'https://acme-v02.api.letsencrypt.org/directory',
    webroot: '/var/www/acme',
    deploy_hook: '/etc/acme-hook',
    installed_cert: '/etc/tls/fullchain.pem',
    account_record: '/etc/tls/account',
  },
  clam_check: {
    url: 'http://127.0.0.1/',
    host_header: 'web1',
    public_url: 'http://web1',
    venv: '/opt/clam/a/venv',
    env_file: '/etc/clam/a/env',
    wsgi: '/opt/clam/a/src/a.wsgi',
    user: 'clam',
  },
};

test('the registry holds every module of the SPEC under its playbook name', (t) => {
  t.deepEqual(Object.keys(modules).sort(), Object.keys(MINIMAL).sort());
  for (const [name, module] of Object.entries(modules)) t.is(module.name, name);
});

test('every module accepts its minimal arguments and refuses unknown keys (typos are input errors)', (t) => {
  for (const [name, args] of Object.entries(MINIMAL)) {
    const module = modules[name]!;
    t.true(module.schema.safeParse(args).success, `${name} accepts ${JSON.stringify(args)}`);
    const typo = module.schema.safeParse({ ...args, sate: 'present' });
    t.false(typo.success, `${name} refuses an unknown key`);
    if (!typo.success) t.true(typo.error.issues.some((issue) => issue.code === 'unrecognized_keys'), name);
  }
});

test('a plugin registers a module once: the same module again changes nothing, another under its name is refused', (t) => {
  const apt = modules.apt!;
  t.notThrows(() => registerModule(apt));
  t.throws(() => registerModule({ ...apt }), { message: /a module named 'apt' is already registered/ });
  t.is(modules.apt, apt);
});
