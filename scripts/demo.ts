/**
 * `npm run demo [-- nginx|apache-uwsgi|apache-wsgi]`: the README's first command. Starts one lab
 * host, deploys examples/hello under /hello with the real CLI, and prints what the service answers
 * over HTTP from this machine. Needs root (the lab boots systemd-nspawn hosts) and a build
 * (`npm run demo` builds first). The host is lab1 (examples/inventory.lab.yml describes the same
 * deployment); CLAMPROVISION_DEMO_HOST names another lab host.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labAvailable, labHosts, labInventoryYaml, labUnavailableReason } from '../test/lab/hosts.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEBSERVERS = ['nginx', 'apache-uwsgi', 'apache-wsgi'];

async function main(): Promise<number> {
  const webserver = process.argv[2] ?? 'nginx';
  if (!WEBSERVERS.includes(webserver)) {
    process.stderr.write(`usage: npm run demo [-- ${WEBSERVERS.join('|')}]\n`);
    return 1;
  }
  if (!labAvailable) {
    process.stderr.write(`demo: ${labUnavailableReason}\n`);
    return 1;
  }

  const name = process.env.CLAMPROVISION_DEMO_HOST ?? 'lab1';
  process.stderr.write(`demo: starting the lab host ${name} …\n`);
  const [host] = await labHosts([name]);
  const inventory = join(mkdtempSync(join(tmpdir(), 'clamprovision-demo-')), 'inventory.yml');
  writeFileSync(
    inventory,
    labInventoryYaml([host!], {
      webserver,
      services: [{ name: 'hello', source: join(repoRoot, 'examples', 'hello'), wsgi: 'hello.wsgi', url_prefix: '/hello' }],
    }),
  );
  process.stderr.write(`demo: node dist/cli.js apply ${inventory}\n`);
  const applied = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'apply', inventory], { stdio: 'inherit', cwd: repoRoot });
  if (applied.status !== 0) {
    process.stderr.write(`demo: apply failed (exit ${applied.status})\n`);
    return applied.status ?? 1;
  }

  const url = `http://${host!.address}/hello/foo`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  process.stdout.write(`\n$ curl ${url}\n${await response.text()}`);
  return response.ok ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
