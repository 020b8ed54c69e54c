/** Issue 14, defect 16: a misspelt variable of the playbook is an error; other tools' variables are left alone. */
import test from 'ava';
import { misspeltVariables } from '../../../src/input/variable-names.js';

const ours = ['webserver', 'server_name', 'http_port', 'tls', 'firewall', 'firewall_allow', 'services', 'trusted_proxies'];

function refused(...names: string[]): string[] {
  return misspeltVariables(Object.fromEntries(names.map((name) => [name, 1])), ours).map((error) => error.message);
}

test('near misspellings of our variables are errors with a did-you-mean', (t) => {
  t.deepEqual(refused('firewal', 'server-name', 'serverName', 'webservers', 'tsl', 'http-port'), [
    "unknown variable 'firewal' (did you mean 'firewall'?): the playbook would not read it",
    "unknown variable 'server-name' (did you mean 'server_name'?): the playbook would not read it",
    "unknown variable 'serverName' (did you mean 'server_name'?): the playbook would not read it",
    "unknown variable 'webservers' (did you mean 'webserver'?): the playbook would not read it",
    "unknown variable 'tsl' (did you mean 'tls'?): the playbook would not read it",
    "unknown variable 'http-port' (did you mean 'http_port'?): the playbook would not read it",
  ]);
});

test("other tools' variables, Ansible's own and our exact names are left alone", (t) => {
  t.deepEqual(refused(...ours, 'http_proxy', 'https_proxy', 'ntp_servers', 'firewall_rules', 'public_ip', 'tls_cert', 'ansible_python_interpreter', 'ansible_firewall'), []);
});

test('a long name costs nothing to check', (t) => {
  const started = Date.now();
  t.deepEqual(refused('x'.repeat(1_000_000)), []);
  t.true(Date.now() - started < 1000);
});
