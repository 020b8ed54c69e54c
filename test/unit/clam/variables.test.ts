import test from 'ava';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clamCheck } from '../../../src/clam/health-check.js';
import type { ClamService, ClamVars } from '../../../src/clam/types.js';
import { normalizeClamVars } from '../../../src/clam/variables.js';
import { inputErrorsIn } from '../../../src/core/errors.js';
import { secrets } from '../../../src/core/secrets.js';
import { parseYamlText } from '../../../src/input/yaml-source.js';
import { lines, tempTree } from '../input/temp-files.js';
import { examplesDir } from '../templates/render.js';

const HOST_LOCATION = { file: 'inventory.yml', line: 3, col: 5 };

/** Host variables as the inventory would give them: parsed from YAML, so positions are known. */
function varsOf(...yaml: string[]): Record<string, unknown> {
  return parseYamlText(lines(...yaml), 'inventory.yml') as Record<string, unknown>;
}

function normalize(vars: Record<string, unknown>, inventoryDir = tempTree({})): ClamVars & Record<string, unknown> {
  return normalizeClamVars(vars, { name: 'web1', inventoryDir, location: HOST_LOCATION }) as ClamVars & Record<string, unknown>;
}

function errorsOf(vars: Record<string, unknown>, inventoryDir = tempTree({})): Array<{ at: string; message: string }> {
  try {
    normalize(vars, inventoryDir);
  } catch (error) {
    const list = inputErrorsIn(error);
    if (!list) throw error;
    return list.map((e) => ({ at: e.location ? `${e.location.line}:${e.location.col}` : '', message: e.message }));
  }
  return [];
}

const demoService = ['services:', '  - name: demo', '    wsgi: /srv/demo/demo.wsgi'];

test('defaults of a minimal host and service', (t) => {
  const result = normalize(varsOf(...demoService));
  t.is(result.webserver, 'nginx');
  t.is(result.server_name, 'web1');
  t.is(result.http_port, 80);
  t.is(result.tls, null);
  t.deepEqual(result.tls_on_host, { dir: '/etc/clam/tls', cert: '/etc/clam/tls/cert.pem', key: '/etc/clam/tls/key.pem' });
  t.is(result.firewall, true);
  t.deepEqual(result.firewall_allow, []);
  t.is(result.pip_index_url, null);
  t.is(result.pip_trusted_host, null);
  t.is(result.nginx_extra, '');
  t.is(result.apache_extra, '');
  const releaseId = result.services[0]!.release_id;
  t.regex(releaseId, /^[0-9a-f]{12}$/);
  t.deepEqual(result.services, [
    {
      name: 'demo',
      source: null,
      source_is_package: false,
      source_digest: null,
      venv_packages: ['uwsgi'],
      release_id: releaseId,
      keep_releases: 5,
      release_verify: result.services[0]!.release_verify,
      releases_dir: '/opt/clam/demo/releases',
      current: '/opt/clam/demo/current',
      release_dir: `/opt/clam/demo/releases/${releaseId}`,
      release_src: `/opt/clam/demo/releases/${releaseId}/src`,
      release_venv: `/opt/clam/demo/releases/${releaseId}/venv`,
      wsgi: '/srv/demo/demo.wsgi',
      url_prefix: '/',
      uwsgi_port: 8888,
      processes: 2,
      threads: 2,
      pip_packages: [],
      // the script's directory on the Python path: the service is not pip-installed
      env: { VIRTUAL_ENV: '/opt/clam/demo/current/venv', PATH: '/opt/clam/demo/current/venv/bin:/usr/local/bin:/usr/bin:/bin', PYTHONPATH: '/srv/demo', CLAM_ROOT: '/var/lib/clam/demo' },
      data_dir: '/var/lib/clam/demo',
      static: null,
      client_max_body_size: '1g',
      secrets: [],
      apt_packages: [],
      request_timeout: 600,
      is_clam: false,
      clam_projects_dir: null,
      public_url: 'http://web1',
      server_side_xslt: false,
      home: '/opt/clam/demo',
      venv: '/opt/clam/demo/current/venv',
      src_dir: '/opt/clam/demo/current/src',
      clam_static_dir: '/opt/clam/demo/static',
      config_dir: '/etc/clam/demo',
      entry_point: '/etc/clam/demo/app.wsgi',
      env_file: '/etc/clam/demo/env',
      clam_secrets_file: '/etc/clam/demo/clam-secrets',
      htpasswd_file: '/etc/clam/demo/htpasswd',
      uwsgi_ini: '/etc/clam/demo/uwsgi.ini',
      unit: 'clam-demo',
      unit_file: '/etc/systemd/system/clam-demo.service',
      unit_backoff_file: '/etc/systemd/system/clam-demo.service.d/restart-backoff.conf',
      socket_unit: 'clam-demo.socket',
      socket_file: '/etc/systemd/system/clam-demo.socket',
      master_fifo: '/run/clam-demo/master.fifo',
      graceful_stop_seconds: 60,
      auth: null,
    } satisfies ClamService,
  ]);
  t.is(result.public_origin, 'http://web1');
  t.is(result.public_scheme, 'http');
  t.is(result.public_authority, 'web1');
  t.deepEqual(result.trusted_proxies, []);
  t.is(result.server_side_xslt, true);
  t.deepEqual(result.service_apt_packages, []);
  t.deepEqual(result.health_urls, ['http://127.0.0.1:80/']);
  t.deepEqual(result.clam_checks, []);
});

test('other variables pass through and the input is not changed', (t) => {
  const vars = varsOf('ansible_user: deploy', 'custom: 1', ...demoService);
  const before = structuredClone(vars);
  const result = normalize(vars);
  t.is(result.ansible_user, 'deploy');
  t.is(result.custom, 1);
  t.deepEqual(vars, before);
});

test('uWSGI ports count up from 8888 unless set, and health URLs follow the prefixes', (t) => {
  const result = normalize(
    varsOf(
      'http_port: 8080',
      'services:',
      '  - {name: a, wsgi: /a.wsgi, url_prefix: /a}',
      '  - {name: b, wsgi: /b.wsgi, url_prefix: /b, uwsgi_port: 9100}',
      '  - {name: c, wsgi: /c.wsgi}',
    ),
  );
  t.deepEqual(result.services.map((s) => s.uwsgi_port), [8888, 9100, 8890]);
  t.deepEqual(result.health_urls, ['http://127.0.0.1:8080/a/', 'http://127.0.0.1:8080/b/', 'http://127.0.0.1:8080/']);
});

test('numbers may come as strings from ${NAME}; yes/no work as booleans', (t) => {
  const result = normalize(varsOf('http_port: "8081"', 'firewall: "no"', 'services:', '  - {name: a, wsgi: /a.wsgi, uwsgi_port: "9000", processes: "4"}'));
  t.is(result.http_port, 8081);
  t.is(result.firewall, false);
  t.is(result.services[0]!.uwsgi_port, 9000);
  t.is(result.services[0]!.processes, 4);
});

test('a source directory is resolved from the inventory directory and pip-installed when it is a package', (t) => {
  const dir = tempTree({ 'apps/demo/demo.wsgi': 'application = None\n', 'apps/demo/pyproject.toml': '[project]\nname = "demo"\n', 'apps/plain/wsgi/app.wsgi': 'x' });
  const result = normalize(
    varsOf('services:', '  - {name: demo, source: apps/demo, wsgi: demo.wsgi}', '  - {name: plain, source: ./apps/plain, wsgi: wsgi/app.wsgi, url_prefix: /plain}'),
    dir,
  );
  const [demo, plain] = result.services;
  t.is(demo!.source, path.join(dir, 'apps/demo'));
  t.true(demo!.source_is_package);
  t.is(demo!.wsgi, '/opt/clam/demo/current/src/demo.wsgi');
  t.false(plain!.source_is_package);
  t.is(plain!.wsgi, '/opt/clam/plain/current/src/wsgi/app.wsgi');
  t.regex(demo!.source_digest!, /^[0-9a-f]{64}$/);
});

test('the source digest follows contents and names, not the location or byte code', (t) => {
  const files = { 'svc/app.wsgi': 'application = None\n', 'svc/pkg/mod.py': 'X = 1\n' };
  const digest = (dir: string) => normalize(varsOf('services:', '  - {name: s, source: svc, wsgi: app.wsgi}'), dir).services[0]!.source_digest;
  const first = tempTree(files);
  const original = digest(first);
  t.is(digest(tempTree(files)), original, 'same files elsewhere, same digest');
  writeFileSync(path.join(first, 'svc/pkg/__pycache__.pyc'), 'bytecode');
  t.is(digest(first), original, 'byte code is ignored');
  writeFileSync(path.join(first, 'svc/pkg/mod.py'), 'X = 2\n');
  t.not(digest(first), original, 'a changed file changes it');
  const renamed = tempTree(files);
  renameSync(path.join(renamed, 'svc/pkg/mod.py'), path.join(renamed, 'svc/pkg/other.py'));
  t.not(digest(renamed), original, 'a renamed file changes it');
});

test('CLAM in pip_packages serves its static files under the prefix', (t) => {
  const result = normalize(
    varsOf(
      'services:',
      '  - {name: a, wsgi: /a.wsgi, url_prefix: /tools/a, pip_packages: ["clam>=3.2"]}',
      '  - {name: b, wsgi: /b.wsgi, pip_packages: [clam]}',
      '  - {name: c, wsgi: /c.wsgi, url_prefix: /c, pip_packages: [clamd, flask]}',
      '  - {name: d, wsgi: /d.wsgi, url_prefix: /d, pip_packages: [clam], static: null}',
      '  - {name: e, wsgi: /e.wsgi, url_prefix: /e, static: {url: /e/assets, dir: /srv/e/static}}',
    ),
  );
  t.deepEqual(
    result.services.map((s) => s.static),
    [{ url: '/tools/a/static', dir: '/opt/clam/a/static' }, { url: '/static', dir: '/opt/clam/b/static' }, null, null, { url: '/e/assets', dir: '/srv/e/static' }],
  );
});

test('env values become strings, CLAM_ROOT follows data_dir unless set, and named secrets are masked', (t) => {
  const result = normalize(
    varsOf(
      'services:',
      '  - name: a',
      '    wsgi: /a.wsgi',
      '    data_dir: /srv/clam/a',
      '    env: {WORKERS: 3, SECRET_KEY: "k-93f1c0de", CONFIGFILE: /etc/a.yml}',
      '    secrets: [SECRET_KEY]',
      '  - {name: b, wsgi: /b.wsgi, url_prefix: /b, env: {CLAM_ROOT: /data/b}}',
    ),
  );
  t.deepEqual(result.services[0]!.env, {
    VIRTUAL_ENV: '/opt/clam/a/current/venv',
    PATH: '/opt/clam/a/current/venv/bin:/usr/local/bin:/usr/bin:/bin',
    PYTHONPATH: '/',
    CLAM_ROOT: '/srv/clam/a',
    WORKERS: '3',
    SECRET_KEY: 'k-93f1c0de',
    CONFIGFILE: '/etc/a.yml',
  });
  t.deepEqual(result.services[0]!.secrets, ['SECRET_KEY']);
  t.is(result.services[1]!.env.CLAM_ROOT, '/data/b');
  t.is(result.services[1]!.data_dir, '/var/lib/clam/b');
  t.is(secrets.mask('SECRET_KEY=k-93f1c0de'), 'SECRET_KEY=********');
});

test('tls files are resolved locally and the health check asks HTTPS on 443', (t) => {
  const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n';
  const dir = tempTree({ 'tls/site.crt': 'cert', 'tls/site.key': key });
  const result = normalize(varsOf('tls: {cert: tls/site.crt, key: tls/site.key}', 'services:', '  - {name: a, wsgi: /a.wsgi, url_prefix: /a}'), dir);
  t.deepEqual(result.tls?.files, { cert: path.join(dir, 'tls/site.crt'), key: path.join(dir, 'tls/site.key') });
  t.is(result.tls?.acme, null);
  t.deepEqual(result.health_urls, ['https://127.0.0.1:443/a/']);
  // A diff of the uploaded key would show it line by line.
  t.is(secrets.mask(`+${key.split('\n')[1]}\n+${key.split('\n')[2]}`), '+********\n+********');
});

test('with apache-wsgi no uWSGI port is bound, so it cannot clash', (t) => {
  const vars = varsOf('webserver: apache-wsgi', 'http_port: 8888', ...demoService);
  t.deepEqual(errorsOf(vars), []);
  t.is(normalize(vars).webserver, 'apache-wsgi');
});

const BAD: Array<[string, string[], string, RegExp]> = [
  ['webserver unknown', ['webserver: lighttpd', ...demoService], '1:12', /webserver must be one of nginx, apache-uwsgi, apache-wsgi, not 'lighttpd'/],
  ['services missing', ['webserver: nginx'], '3:5', /'services' is required/],
  ['services empty', ['services: []'], '1:11', /services must list at least one webservice/],
  ['services a mapping', ['services:', '  demo: {wsgi: /a}'], '2:3', /services must be a list, not a mapping/],
  ['unknown service key', ['services:', '  - name: demo', '    wsgi: /a.wsgi', '    procesess: 4'], '4:5', /service 'demo': unknown key 'procesess' \(did you mean 'processes'\?\)/],
  ['unknown tls key', ['tls: {cert: a, key: b, chain: c}', ...demoService], '1:24', /unknown key 'chain'/],
  ['wsgi missing', ['services:', '  - name: demo'], '2:5', /service 'demo': wsgi is required/],
  ['name with a dash', ['services:', '  - {name: my-app, wsgi: /a.wsgi}'], '2:12', /name must consist of letters, digits and _ only/],
  ['name as a number', ['services:', '  - {name: 42, wsgi: /a.wsgi}'], '2:12', /name must be a string, not 42/],
  ['http_port out of range', ['http_port: 65536', ...demoService], '1:12', /http_port must be a port number from 1 to 65535, not 65536/],
  ['processes zero', ['services:', '  - {name: a, wsgi: /a.wsgi, processes: 0}'], '2:41', /processes must be at least 1, not 0/],
  ['pip_packages a string', ['services:', '  - {name: a, wsgi: /a.wsgi, pip_packages: clam}'], '2:44', /pip_packages must be a list, not 'clam'/],
  ['env value a boolean', ['services:', '  - {name: a, wsgi: /a.wsgi, env: {DEBUG: true}}'], '2:43', /env\.DEBUG must be a string \(quote it\) or a number/],
  ['env name invalid', ['services:', '  - {name: a, wsgi: /a.wsgi, env: {"2FA": x}}'], '2:36', /'2FA' must be an environment variable name/],
  ['client_max_body_size', ['services:', '  - {name: a, wsgi: /a.wsgi, client_max_body_size: 1 GB}'], '2:52', /client_max_body_size must be a size like 1g/],
  ['data_dir root', ['services:', '  - {name: a, wsgi: /a.wsgi, data_dir: /}'], '2:40', /data_dir must be a directory under \/var\/lib\/clam or \/srv\/clam/],
  ['data_dir a system directory', ['services:', '  - {name: a, wsgi: /a.wsgi, data_dir: /etc}'], '2:40', /data_dir must be a directory under \/var\/lib\/clam or \/srv\/clam .*not '\/etc'/],
  ['data_dir the virtualenv', ['services:', '  - {name: a, wsgi: /a.wsgi, data_dir: /opt/clam/a/venv}'], '2:40', /data_dir must be a directory under/],
  ['data_dir a dedicated root itself', ['services:', '  - {name: a, wsgi: /a.wsgi, data_dir: /var/lib/clam}'], '2:40', /data_dir must be a directory under/],
  ['data_dir climbing out', ['services:', '  - {name: a, wsgi: /a.wsgi, data_dir: /srv/clam/../../etc}'], '2:40', /data_dir must be written without \. or \.\. parts .*\(\/etc\)/],
  ['data_dir inside another service\'s', ['services:', '  - {name: a, wsgi: /a.wsgi}', '  - {name: b, wsgi: /b.wsgi, url_prefix: /b, data_dir: /var/lib/clam/a/b}'], '3:56', /service 'b': data_dir \/var\/lib\/clam\/a\/b overlaps the data_dir \/var\/lib\/clam\/a of service 'a'/],
  ['absolute wsgi with a newline', ['services:', '  - {name: a, wsgi: "/a.wsgi\\nhook-as-user = exec:id"}'], '2:21', /wsgi must be a path .* \(it holds U\+000A\), not '\/a\.wsgi\\nhook-as-user = exec:id'$/],
  ['absolute wsgi with a uWSGI expansion', ['services:', '  - {name: a, wsgi: "/srv/$(HOME)/a.wsgi"}'], '2:21', /wsgi must be .* \(it holds '\$'\)/],
  ['relative wsgi with a percent', ['services:', '  - {name: a, source: x, wsgi: "a%d.wsgi"}'], '2:32', /wsgi must be a path .* \(it holds '%'\)/],
  ['static dir with a nginx variable', ['services:', '  - {name: a, wsgi: /a.wsgi, static: {url: /s, dir: /srv/$host}}'], '2:53', /static\.dir must be an absolute path .*'\$'/],
  ['static url with a control character', ['services:', '  - {name: a, wsgi: /a.wsgi, static: {url: "/s\\e", dir: /srv/s}}'], '2:44', /static\.url must be a URL path .*U\+001B/],
  ['server_name with a bidi override', ['server_name: "a\\u202Eb"', ...demoService], '1:14', /server_name must be a single word .*U\+202E/],
  ['server_name with a zero-width space', ['server_name: "clam\\u200B.example.org"', ...demoService], '1:14', /server_name .*U\+200B/],
  ['server_name with a slash', ['server_name: a/b', ...demoService], '1:14', /server_name .* \(it holds '\/'\)/],
  ['server_name with a nginx variable', ['server_name: $host', ...demoService], '1:14', /server_name .* \(it holds '\$'\)/],
  ['pip option as a package', ['services:', '  - {name: a, wsgi: /a.wsgi, pip_packages: [clam, --index-url=http://evil]}'], '2:51', /pip_packages\[1\] must be a pip requirement .*no leading -/],
  ['pip requirement file', ['services:', '  - {name: a, wsgi: /a.wsgi, pip_packages: ["-r", x]}'], '2:45', /pip_packages\[0\] must be a pip requirement/],
  ['env UWSGI_ option', ['services:', '  - {name: a, wsgi: /a.wsgi, env: {UWSGI_HTTP_SOCKET: "0.0.0.0:80"}}'], '2:36', /'UWSGI_HTTP_SOCKET' is read by uWSGI as one of its options/],
  ['env uwsgi_ option in lower case', ['services:', '  - {name: a, wsgi: /a.wsgi, env: {uwsgi_master: "1"}}'], '2:36', /'uwsgi_master' is read by uWSGI/],
  ['http_port the SSH port', ['http_port: 22', ...demoService], '1:12', /http_port 22 is the SSH port/],
  ['default http_port the SSH port', ['ansible_port: 80', ...demoService], '1:15', /http_port 80 is the SSH port \(80 is the default: set http_port\)/],
  ['http_port 443 with tls', ['http_port: 443', 'tls: {cert: c, key: k}', ...demoService], '1:12', /http_port 443 with tls/],
  ['firewall range backwards', ['firewall_allow: ["9000:8000/tcp"]', ...demoService], '1:18', /firewall_allow\[0\] is a range written backwards: write 8000:9000\/tcp/],
  ['firewall range without protocol', ['firewall_allow: ["8000:9000"]', ...demoService], '1:18', /range of ports, which ufw takes only with a protocol/],
  ['firewall port out of range', ['firewall_allow: ["70000/tcp"]', ...demoService], '1:18', /from 1 to 65535 \(70000 is not one\)/],
  ['server_name with a space', ['server_name: "a b;"', ...demoService], '1:14', /server_name must be a single word/],
  ['pip_index_url not a URL', ['pip_index_url: pypi.local', ...demoService], '1:16', /pip_index_url must be an http\(s\) URL/],
  ['prefix without slash', ['services:', '  - {name: a, wsgi: /a.wsgi, url_prefix: app}'], '2:42', /url_prefix 'app' must start with a slash, e.g. '\/app'/],
  ['prefix with trailing slash', ['services:', '  - {name: a, wsgi: /a.wsgi, url_prefix: /app/}'], '2:42', /must not end with a slash \(write '\/app'\)/],
  ['prefix with a space', ['services:', '  - {name: a, wsgi: /a.wsgi, url_prefix: "/my app"}'], '2:42', /may only hold letters, digits/],
  ['duplicate names', ['services:', '  - {name: a, wsgi: /a.wsgi}', '  - {name: a, wsgi: /b.wsgi, url_prefix: /b}'], '3:12', /duplicate service name 'a'/],
  ['duplicate prefix', ['services:', '  - {name: a, wsgi: /a.wsgi, url_prefix: /x}', '  - {name: b, wsgi: /b.wsgi, url_prefix: /x}'], '3:42', /url_prefix '\/x' is already used by service 'a'/],
  ['explicit port on a default', ['services:', '  - {name: a, wsgi: /a.wsgi}', '  - {name: b, wsgi: /b.wsgi, url_prefix: /b, uwsgi_port: 8888}'], '3:58', /uwsgi_port 8888 is already taken by service 'a'/],
  ['port on the http port', ['http_port: 9000', 'services:', '  - {name: a, wsgi: /a.wsgi, uwsgi_port: 9000}'], '3:42', /already taken by the webserver's http_port/],
  ['port on 443 with tls', ['services:', '  - {name: a, wsgi: /a.wsgi, uwsgi_port: 443}', 'tls: {cert: c, key: k}'], '2:42', /already taken by the webserver's HTTPS/],
  ['port on the SSH port', ['ansible_port: 2222', 'services:', '  - {name: a, wsgi: /a.wsgi, uwsgi_port: 2222}'], '3:42', /uwsgi_port 2222 is already taken by the SSH port/],
  ['relative wsgi without source', ['services:', '  - {name: a, wsgi: a.wsgi}'], '2:21', /needs a 'source' directory/],
  ['secret not in env', ['services:', '  - {name: a, wsgi: /a.wsgi, env: {TOKEN: x}, secrets: [TOKEN, PASSWORD]}'], '2:64', /secrets names 'PASSWORD', which is not a key of its env; env has TOKEN/],
  ['secret without env', ['services:', '  - {name: a, wsgi: /a.wsgi, secrets: [KEY]}'], '2:40', /env is empty/],
  ['public_url with a path', ['public_url: https://clam.example.org/tools', ...demoService], '1:13', /public_url must be only scheme, host and port, like https:\/\/clam\.example\.org \(the url_prefix of each service is added to it\)/],
  ['public_url with a quote in its host', ['public_url: \'http://a"b\'', ...demoService], '1:13', /public_url must be only scheme, host and port/],
  ['public_url with credentials', ['public_url: https://user:pw@clam.example.org', ...demoService], '1:13', /public_url must be only scheme, host and port/],
  ['public_url not a URL', ['public_url: clam.example.org', ...demoService], '1:13', /public_url must be an http\(s\) URL like https:\/\/clam\.example\.org/],
  ['server_side_xslt with Apache', ['webserver: apache-uwsgi', 'server_side_xslt: true', ...demoService], '2:19', /server_side_xslt: .*needs nginx's XSLT filter; Apache has none/],
  ['apt_packages with a bad name', ['services:', '  - {name: a, wsgi: /a.wsgi, apt_packages: [poppler-utils, "Poppler Utils"]}'], '2:60', /apt_packages\[1\] must be a Debian package name like poppler-utils, not 'Poppler Utils'/],
  ['request_timeout zero', ['services:', '  - {name: a, wsgi: /a.wsgi, request_timeout: 0}'], '2:47', /request_timeout must be at least 1, not 0/],
  ['request_timeout over a day', ['services:', '  - {name: a, wsgi: /a.wsgi, request_timeout: 86401}'], '2:47', /request_timeout must be at most 86400, not 86401/],
  ['env CLAMFORCEURL', ['services:', '  - name: a', '    wsgi: /a.wsgi', '    url_prefix: /a', '    pip_packages: [clam]', '    env:', '      CLAMFORCEURL: http://elsewhere/a'], '7:7', /env CLAMFORCEURL is set by clamprovision from the public URL \(http:\/\/web1\/a\); to change it set public_url/],
];

for (const [title, yaml, at, message] of BAD) {
  test(`error: ${title}`, (t) => {
    // tls needs readable files so that the case shows only its own error.
    const dir = tempTree({ c: 'cert', k: 'key' });
    const errors = errorsOf(varsOf(...yaml), dir);
    const found = errors.find((error) => error.at === at && message.test(error.message));
    t.truthy(found, `expected ${at}: ${message}\ngot:\n${errors.map((e) => `${e.at}: ${e.message}`).join('\n')}`);
    t.true(errors.every((error) => error.message.startsWith("host 'web1': ")));
  });
}

test('filesystem problems point at the value', (t) => {
  const dir = tempTree({ 'apps/demo/other.wsgi': 'x', 'tls/site.crt': 'cert', 'notadir': 'x' });
  const errors = errorsOf(
    varsOf(
      'tls: {cert: tls/site.crt, key: tls/missing.key}',
      'services:',
      '  - {name: a, source: apps/demo, wsgi: demo.wsgi}',
      '  - {name: b, source: apps/none, wsgi: b.wsgi, url_prefix: /b}',
      '  - {name: c, source: notadir, wsgi: c.wsgi, url_prefix: /c}',
      '  - {name: d, source: apps/demo, wsgi: ../escape.wsgi, url_prefix: /d}',
    ),
    dir,
  );
  t.deepEqual(
    errors.map((e) => e.at),
    ['1:32', '3:40', '4:23', '5:23', '6:40'],
  );
  t.regex(errors[0]!.message, /tls\.key: the TLS private key file .*tls\/missing\.key does not exist/);
  t.regex(errors[1]!.message, /WSGI script 'demo\.wsgi' not found in source directory .*apps\/demo/);
  t.regex(errors[2]!.message, /source directory .*apps\/none does not exist/);
  t.regex(errors[3]!.message, /source directory .*notadir is not a directory/);
  t.regex(errors[4]!.message, /points outside the source directory/);
});

test('type errors of several services are reported together', (t) => {
  const errors = errorsOf(varsOf('services:', '  - {name: a, wsgi: 1}', '  - {name: b-c, wsgi: /b}', '  - {name: d, wsgi: /d, threads: -1}'));
  t.deepEqual(errors.map((e) => e.at), ['2:21', '3:12', '4:34']);
});

// --- what a CLAM service gets: its public URL, the forwarded headers, rendering, packages, checks

/** Host variables from YAML whose services' sources are looked up in examples/ (shout, hello). */
function examples(...yaml: string[]): ClamVars & Record<string, unknown> {
  return normalize(varsOf(...yaml), examplesDir);
}

const shout = '  - {name: shout, source: shout, wsgi: shout.wsgi, url_prefix: /shout, pip_packages: [clam]}';
const hello = '  - {name: hello, source: hello, wsgi: hello.wsgi, url_prefix: /hello}';
const publicUrls = (result: ClamVars) => result.services.map((service) => service.public_url);

test('public URL: the port only when it is not 80, https without a port with tls, the prefix appended', (t) => {
  const root = '  - {name: r, wsgi: /r.wsgi}';
  const svc = '  - {name: s, wsgi: /s.wsgi, url_prefix: /svc}';
  const plain = normalize(varsOf('services:', root, svc));
  t.deepEqual(publicUrls(plain), ['http://web1', 'http://web1/svc']);
  t.deepEqual([plain.public_origin, plain.public_scheme, plain.public_authority], ['http://web1', 'http', 'web1']);

  const port = normalize(varsOf('http_port: 8080', 'server_name: clam.example.org', 'services:', root, svc));
  t.deepEqual(publicUrls(port), ['http://clam.example.org:8080', 'http://clam.example.org:8080/svc']);
  t.is(port.public_authority, 'clam.example.org:8080');

  const dir = tempTree({ c: 'cert', k: 'key' });
  const tls = normalize(varsOf('http_port: 8080', 'tls: {cert: c, key: k}', 'services:', root, svc), dir);
  t.deepEqual(publicUrls(tls), ['https://web1', 'https://web1/svc']);
  t.deepEqual([tls.public_scheme, tls.public_authority], ['https', 'web1']);
});

test('public_url overrides the derived URL (a proxy in front); its trailing slash is dropped', (t) => {
  const result = normalize(varsOf('public_url: https://clam.example.org/', 'http_port: 8080', 'services:', '  - {name: r, wsgi: /r.wsgi}', '  - {name: s, wsgi: /s.wsgi, url_prefix: /svc}'));
  t.deepEqual(publicUrls(result), ['https://clam.example.org', 'https://clam.example.org/svc']);
  t.deepEqual([result.public_origin, result.public_scheme, result.public_authority], ['https://clam.example.org', 'https', 'clam.example.org']);
  t.is(normalize(varsOf('public_url: http://proxy.example.org:8443', ...demoService)).public_authority, 'proxy.example.org:8443');
});

test('trusted_proxies: IPv4 and IPv6 addresses and networks are kept as written', (t) => {
  const proxies = ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1', '0.0.0.0/0'];
  t.deepEqual(normalize(varsOf(`trusted_proxies: ${JSON.stringify(proxies)}`, ...demoService)).trusted_proxies, proxies);
});

test('trusted_proxies: each bad value is an error at its own line', (t) => {
  const errors = errorsOf(
    varsOf('trusted_proxies:', '  - 10.0.0.0/8', '  - 10.0.0.0/33', '  - proxy.example.org', '  - 2001:db8::/129', '  - 10.1.2.3/8/9', '  - "10.0.0.0/"', '  - fe80::1%eth0', ...demoService),
  );
  t.deepEqual(errors.map((e) => e.at), ['3:5', '4:5', '5:5', '6:5', '7:5', '8:5']);
  t.regex(errors[0]!.message, /trusted_proxies\[1\] must be an IP address or a network like 10\.0\.0\.0\/8, not '10\.0\.0\.0\/33'/);
  t.regex(errors[1]!.message, /trusted_proxies\[2\] .*not 'proxy\.example\.org'/);
});

test('server_side_xslt: on by default with nginx, for the CLAM services only; off with Apache; false turns it off', (t) => {
  const services = ['services:', shout, hello];
  const nginx = examples(...services);
  t.true(nginx.server_side_xslt);
  t.deepEqual(nginx.services.map((s) => s.server_side_xslt), [true, false]);
  for (const webserver of ['apache-uwsgi', 'apache-wsgi']) {
    const apache = examples(`webserver: ${webserver}`, ...services);
    t.false(apache.server_side_xslt, webserver);
    t.deepEqual(apache.services.map((s) => s.server_side_xslt), [false, false], webserver);
  }
  const off = examples('server_side_xslt: "no"', ...services);
  t.false(off.server_side_xslt);
  t.deepEqual(off.services.map((s) => s.server_side_xslt), [false, false]);
  // the stylesheet is read from the static directory: without one there is nothing to render with
  t.false(examples('services:', '  - {name: shout, source: shout, wsgi: shout.wsgi, static: null}').services[0]!.server_side_xslt);
});

test('CLAM is recognized by clam in pip_packages or a WSGI script importing it; clam: true/false decides', (t) => {
  const dir = tempTree({
    'from/app.wsgi': 'from clam import clamservice\nimport settings\napplication = clamservice.run_wsgi(settings)\n',
    'clamd/app.wsgi': '# import clam would be CLAM; this is not\nimport clamd\napplication = clamd.app\n',
  });
  const result = normalize(
    varsOf(
      'services:',
      '  - {name: a, wsgi: /a.wsgi, url_prefix: /a, pip_packages: ["clam>=3.2"]}',
      '  - {name: b, wsgi: /b.wsgi, url_prefix: /b, pip_packages: [clamd]}',
      `  - {name: c, source: ${path.join(examplesDir, 'shout')}, wsgi: shout.wsgi, url_prefix: /c}`,
      `  - {name: d, source: ${path.join(examplesDir, 'hello')}, wsgi: hello.wsgi, url_prefix: /d}`,
      '  - {name: e, source: from, wsgi: app.wsgi, url_prefix: /e}',
      '  - {name: f, source: clamd, wsgi: app.wsgi, url_prefix: /f}',
      `  - {name: g, source: ${path.join(examplesDir, 'shout')}, wsgi: shout.wsgi, url_prefix: /g, pip_packages: [clam], clam: false}`,
      '  - {name: h, wsgi: /h.wsgi, url_prefix: /h, clam: "yes"}',
    ),
    dir,
  );
  t.deepEqual(
    Object.fromEntries(result.services.map((s) => [s.name, s.is_clam])),
    { a: true, b: false, c: true, d: false, e: true, f: false, g: false, h: true },
  );
  const notClam = result.services.find((s) => s.name === 'g')!;
  t.is(notClam.env.CLAMFORCEURL, undefined, 'clam: false: no CLAM settings');
  t.is(notClam.static, null);
});

test("clam_projects_dir: CLAM's ROOT/projects for a CLAM service whose ROOT is data_dir; none for others or a CLAM_ROOT of env", (t) => {
  const result = normalize(
    varsOf(
      'services:',
      '  - {name: a, wsgi: /a.wsgi, url_prefix: /a, clam: true}',
      '  - {name: b, wsgi: /b.wsgi, url_prefix: /b, clam: true, data_dir: /srv/clam/b/}',
      '  - {name: c, wsgi: /c.wsgi, url_prefix: /c, clam: true, env: {CLAM_ROOT: /srv/clam/elsewhere}}',
      '  - {name: d, wsgi: /d.wsgi, url_prefix: /d}',
    ),
  );
  t.deepEqual(
    Object.fromEntries(result.services.map((s) => [s.name, s.clam_projects_dir])),
    { a: '/var/lib/clam/a/projects', b: '/srv/clam/b/projects', c: null, d: null },
  );
});

test('CLAMFORCEURL: the public URL of each CLAM service, never set for the others', (t) => {
  const result = examples('http_port: 8080', 'server_name: clam.example.org', 'services:', shout, hello);
  t.is(result.services[0]!.env.CLAMFORCEURL, 'http://clam.example.org:8080/shout');
  t.false('CLAMFORCEURL' in result.services[1]!.env);
});

test('CONFIGFILE: NAME.config.yml beside the WSGI script, else the only *.config.yml; none when that is ambiguous', (t) => {
  const clamWsgi = 'import clam.clamservice\nimport settings\napplication = clam.clamservice.run_wsgi(settings)\n';
  const dir = tempTree({
    'beside/app.wsgi': clamWsgi,
    'beside/app.config.yaml': 'root: x\n',
    'beside/other.config.yml': 'root: y\n',
    'only/wsgi/app.wsgi': clamWsgi,
    'only/conf/service.config.yml': 'root: x\n',
    'two/app.wsgi': clamWsgi,
    'two/a.config.yml': 'root: x\n',
    'two/b.config.yml': 'root: y\n',
    'deep/app.wsgi': clamWsgi,
    'deep/a/b/service.config.yml': 'root: x\n',
    'plain/app.wsgi': 'application = None\n',
    'plain/app.config.yml': 'root: x\n',
  });
  const result = normalize(
    varsOf(
      'services:',
      ...['beside', 'only', 'two', 'deep', 'plain'].map((name) => `  - {name: ${name}, source: ${name}, wsgi: ${name === 'only' ? 'wsgi/app.wsgi' : 'app.wsgi'}, url_prefix: /${name}}`),
      '  - {name: own, source: beside, wsgi: app.wsgi, url_prefix: /own, env: {CONFIGFILE: /etc/own.yml}}',
    ),
    dir,
  );
  t.deepEqual(Object.fromEntries(result.services.map((s) => [s.name, s.env.CONFIGFILE])), {
    beside: '/opt/clam/beside/current/src/app.config.yaml',
    only: '/opt/clam/only/current/src/conf/service.config.yml',
    two: undefined,
    deep: undefined,
    plain: undefined,
    own: '/etc/own.yml',
  });
  t.is(examples('services:', shout).services[0]!.env.CONFIGFILE, '/opt/clam/shout/current/src/shout.config.yml');
});

test('PYTHONPATH: the WSGI script\'s directory when the source is not a pip package, none when it is', (t) => {
  const dir = tempTree({
    'pyproject/app.wsgi': 'application = None\n',
    'pyproject/pyproject.toml': '[project]\nname = "a"\n',
    'setup/app.wsgi': 'application = None\n',
    'setup/setup.py': 'from setuptools import setup\nsetup()\n',
    'nested/wsgi/app.wsgi': 'application = None\n',
  });
  const result = normalize(
    varsOf(
      'services:',
      '  - {name: pyproject, source: pyproject, wsgi: app.wsgi, url_prefix: /a}',
      '  - {name: setup, source: setup, wsgi: app.wsgi, url_prefix: /b}',
      '  - {name: nested, source: nested, wsgi: wsgi/app.wsgi, url_prefix: /c}',
    ),
    dir,
  );
  t.deepEqual(result.services.map((s) => s.env.PYTHONPATH), [undefined, undefined, '/opt/clam/nested/current/src/wsgi']);
  t.is(examples('services:', shout).services[0]!.env.PYTHONPATH, '/opt/clam/shout/current/src');
});

test('service_apt_packages: CLAM\'s libraries and tools, nginx\'s XSLT filter when it renders, and apt_packages, once each', (t) => {
  const clamPackages = ['libxml2', 'libxslt1.1', 'zip', 'bzip2', 'poppler-utils', 'catdoc'];
  const withExtra = '  - {name: hello, source: hello, wsgi: hello.wsgi, url_prefix: /hello, apt_packages: [tesseract-ocr, zip]}';
  const sorted = (list: string[]) => [...list].sort();
  const nginx = examples('services:', shout, withExtra).service_apt_packages;
  t.deepEqual(sorted(nginx), sorted([...clamPackages, 'libnginx-mod-http-xslt-filter', 'tesseract-ocr']));
  t.is(new Set(nginx).size, nginx.length, 'no package twice');
  t.deepEqual(sorted(examples('webserver: apache-uwsgi', 'services:', shout).service_apt_packages), sorted(clamPackages));
  t.deepEqual(sorted(examples('server_side_xslt: false', 'services:', shout).service_apt_packages), sorted(clamPackages));
  t.deepEqual(examples('services:', withExtra).service_apt_packages, ['tesseract-ocr', 'zip'], 'no CLAM, no CLAM packages');
  t.deepEqual(examples('services:', hello).service_apt_packages, []);
});

test('request_timeout: 600 seconds unless set, per service', (t) => {
  const result = normalize(varsOf('services:', '  - {name: a, wsgi: /a.wsgi}', '  - {name: b, wsgi: /b.wsgi, url_prefix: /b, request_timeout: 30}', '  - {name: c, wsgi: /c.wsgi, url_prefix: /c, request_timeout: "86400"}'));
  t.deepEqual(result.services.map((s) => s.request_timeout), [600, 30, 86400]);
});

test('clam_checks for the CLAM services, health_urls for the others, both through the local webserver', (t) => {
  const result = examples('http_port: 8080', 'services:', shout, hello);
  t.deepEqual(result.health_urls, ['http://127.0.0.1:8080/hello/']);
  t.deepEqual(result.clam_checks, [
    {
      name: 'shout',
      args: {
        url: 'http://127.0.0.1:8080/shout/',
        host_header: 'web1',
        public_url: 'http://web1:8080/shout',
        venv: '/opt/clam/shout/current/venv',
        env_file: '/etc/clam/shout/env',
        wsgi: '/opt/clam/shout/current/src/shout.wsgi',
        user: 'clam',
      },
    },
  ]);
  t.true(clamCheck.schema.safeParse(result.clam_checks[0]!.args).success, 'clam_check accepts them');

  const dir = tempTree({ c: 'cert', k: 'key' });
  const tls = normalize(varsOf('tls: {cert: c, key: k}', 'server_name: clam.example.org', 'services:', `  - {name: shout, source: ${path.join(examplesDir, 'shout')}, wsgi: shout.wsgi}`), dir);
  t.deepEqual(tls.health_urls, []);
  t.like(tls.clam_checks[0]!.args, { url: 'https://127.0.0.1:443/', host_header: 'clam.example.org', public_url: 'https://clam.example.org' });
});
