/**
 * `npm run demo [-- nginx|apache-uwsgi|apache-wsgi]`: the README's first command. Starts one lab
 * host, deploys the CLAM webservice examples/shout under /shout with the real CLI, runs a job on it
 * from this machine with CLAM's own client, and prints what the client saw. Needs root (the lab
 * boots systemd-nspawn hosts) and a build (`npm run demo` builds first). The host is lab1
 * (examples/inventory.lab.yml describes the same deployment); CLAMPROVISION_DEMO_HOST names another
 * lab host. The host is left running, for a look in a browser.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClamJobError, runClamJob, type ClamJobResult } from '../test/lab/clam-client.js';
import { labAvailable, labHosts, labInventoryYaml, labUnavailableReason, type LabHost } from '../test/lab/hosts.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEBSERVERS = ['nginx', 'apache-uwsgi', 'apache-wsgi'];
const INPUT = { filename: 'poem.txt', content: 'The woods are lovely, dark and deep,\nbut I have promises to keep.\n' };

function writeInventory(host: LabHost, webserver: string): string {
  const inventory = join(mkdtempSync(join(tmpdir(), 'clamprovision-demo-')), 'inventory.yml');
  writeFileSync(
    inventory,
    labInventoryYaml([host], {
      webserver,
      // CLAM announces its URLs under this name: it must be one this machine reaches the host by.
      server_name: host.address,
      services: [
        { name: 'shout', source: join(repoRoot, 'examples', 'shout'), wsgi: 'shout.wsgi', url_prefix: '/shout', pip_packages: ['clam'] },
      ],
    }),
  );
  return inventory;
}

const indent = (text: string) => text.replace(/\n$/, '').replace(/^/gm, '    ');

function report(baseUrl: string, result: ClamJobResult): string {
  const outputs = Object.entries(result.outputs).filter(([name]) => name !== 'error.log');
  return [
    `$ CLAM's client (clam.common.client.CLAMClient) on ${baseUrl}`,
    `announced base URL: ${result.announcedBaseUrl}`,
    `project:            ${result.project} (${result.statusMessage}; deleted afterwards)`,
    `requested:          ${result.urls.length} URLs, in order:`,
    ...result.urls.map((url) => `    ${url}`),
    `input ${INPUT.filename}:`,
    indent(INPUT.content),
    ...outputs.flatMap(([name, text]) => [`output ${name}:`, indent(text)]),
  ].join('\n');
}

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
  if (!host) throw new Error(`the lab gave no host ${name}`);
  const inventory = writeInventory(host, webserver);
  process.stderr.write(`demo: node dist/cli.js apply ${inventory}\n`);
  const applied = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'apply', inventory], { stdio: 'inherit', cwd: repoRoot });
  if (applied.status !== 0) {
    process.stderr.write(`demo: apply failed (exit ${applied.status}); the inventory is ${inventory}\n`);
    return applied.status ?? 1;
  }

  const baseUrl = `http://${host.address}/shout/`;
  process.stderr.write(`demo: running a job on ${baseUrl} with CLAM's client …\n`);
  const problems = await runJob(baseUrl);
  process.stdout.write(leftRunning(host, webserver, baseUrl));
  for (const problem of problems) process.stderr.write(`demo: ${problem}\n`);
  return problems.length === 0 ? 0 : 3;
}

/** Runs the job, prints what the client saw, and returns what is wrong with it. */
async function runJob(baseUrl: string): Promise<string[]> {
  let result: ClamJobResult;
  try {
    result = await runClamJob(baseUrl, INPUT);
  } catch (error) {
    if (error instanceof ClamJobError) return [error.message];
    throw error;
  }
  process.stdout.write(`\n${report(baseUrl, result)}\n`);
  const strayUrls = result.urls.filter((url) => !url.startsWith(baseUrl));
  return [
    ...(result.outputs['poem.shout.txt'] === INPUT.content.toUpperCase() ? [] : ['poem.shout.txt is not the input in upper case']),
    ...(strayUrls.length === 0 ? [] : [`CLAM sent its client elsewhere than ${baseUrl}: ${strayUrls.join(' ')}`]),
  ];
}

function leftRunning(host: LabHost, webserver: string, baseUrl: string): string {
  return [
    '',
    `Left running: the lab host ${host.name} (${host.address}, Debian ${host.suite}) with ${webserver} and the CLAM service shout.`,
    `Open it in a browser: ${baseUrl}`,
    `Log in: ssh -i ${host.keyFile} root@${host.address}`,
    'Remove it: npm run lab -- down',
    '',
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
