import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import test from 'ava';
import { run } from '../lab/exec.js';
import { labAvailable, labHosts, labIndexUrl, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../lab/hosts.js';
import { privateAddressFor } from '../lab/private-network.js';
import { APT_PROXY_PORT, BRIDGE_ADDRESS, NETNS_PREFIX, PRIVATE_NETNS_PREFIX, PRIVATE_SUBNET } from '../lab/state.js';

const execFileAsync = promisify(execFile);
const HOST_NAMES = ['smoke1', 'smoke2'];
/** booted behind smoke1 by its own test */
const BEHIND = 'smoke-behind';
let behindBooted = false;
const labTest = labAvailable ? test : test.skip;
const hosts = new Map<string, LabHost>();

if (!labAvailable) console.error(`skipping lab tests: ${labUnavailableReason}`);

// the hosts stop when this file is done: idle containers would slow the files still running
test.after.always(async () => {
  if (labAvailable) await stopLabHosts([BEHIND, ...HOST_NAMES].filter((name) => name !== BEHIND || behindBooted));
});

test.before(async () => {
  if (!labAvailable) return;
  for (const host of await labHosts(HOST_NAMES)) hosts.set(host.name, host);
});

function hostNamed(name: string): LabHost {
  const host = hosts.get(name);
  if (!host) throw new Error(`lab host ${name} did not start`);
  return host;
}

/** The sdist link of the index's uWSGI page, made absolute, with the sha256 it promises. */
function uwsgiSdistLink(html: string): { url: string; sha256: string; file: string } {
  const match = /href="([^"#]*\/(uwsgi-[\d.]+\.tar\.gz))#sha256=([0-9a-f]{64})"/.exec(html);
  if (!match?.[1] || !match[2] || !match[3]) throw new Error(`no uWSGI sdist link in:\n${html}`);
  return { url: new URL(match[1], labIndexUrl()).toString(), file: match[2], sha256: match[3] };
}

labTest('the Python index serves the uWSGI sdist to this machine', async (t) => {
  const page = await fetch(`${labIndexUrl()}uwsgi/`);
  t.is(page.status, 200);
  const link = uwsgiSdistLink(await page.text());
  const sdist = Buffer.from(await (await fetch(link.url)).arrayBuffer());
  t.deepEqual([...sdist.subarray(0, 2)], [0x1f, 0x8b], 'the sdist is gzip data');
  t.is(createHash('sha256').update(sdist).digest('hex'), link.sha256);
  t.true(sdist.length > 100_000, `${link.file} is ${sdist.length} bytes`);
});

for (const name of HOST_NAMES) {
  labTest(`${name}: systemd runs as PID 1`, async (t) => {
    const result = await sshExec(hostNamed(name), 'readlink /proc/1/exe; cat /proc/1/comm');
    t.is(result.code, 0, result.stderr);
    const [exe, comm] = result.stdout.split('\n');
    t.regex(exe ?? '', /\/systemd$/);
    t.is(comm, 'systemd');
  });

  labTest(`${name}: deploy may sudo with its password, not with a wrong one`, async (t) => {
    const host = hostNamed(name);
    // -k: forget cached credentials, so each check really asks for the password
    const ok = await sshExec(host, "sudo -k -S -p '' id -u", { user: host.becomeUser, stdin: `${host.becomePassword}\n` });
    t.is(ok.code, 0, ok.stderr);
    t.is(ok.stdout.trim(), '0');
    const whoami = await sshExec(host, 'id -un', { user: host.becomeUser });
    t.is(whoami.stdout.trim(), 'deploy');
    const wrong = await sshExec(host, "sudo -k -S -p '' true", { user: host.becomeUser, stdin: 'not-the-password\n' });
    t.not(wrong.code, 0);
  });

  labTest(`${name}: apt-get update succeeds`, async (t) => {
    const result = await sshExec(hostNamed(name), 'apt-get update -q -o DPkg::Lock::Timeout=120');
    t.is(result.code, 0, result.stderr);
    t.notRegex(result.stderr, /^(E|W): /m);
  });

  labTest(`${name}: has no python3 (the tool must need only a shell)`, async (t) => {
    const result = await sshExec(hostNamed(name), 'command -v python3 python3.11 python3.13 python');
    t.not(result.code, 0, `found: ${result.stdout}`);
    t.is(result.stdout.trim(), '');
  });

  labTest(`${name}: reaches the Python index, which serves the uWSGI sdist`, async (t) => {
    const host = hostNamed(name);
    const { hostname, port } = new URL(labIndexUrl());
    // The minimal image has neither curl nor wget: bash's /dev/tcp fetches the page…
    const page = await sshExec(
      host,
      `exec 3<>/dev/tcp/${hostname}/${port} && printf 'GET /simple/uwsgi/ HTTP/1.0\\r\\nHost: ${hostname}\\r\\n\\r\\n' >&3 && cat <&3`,
    );
    t.is(page.code, 0, page.stderr);
    t.regex(page.stdout, /^HTTP\/1\.1 200/);
    const link = uwsgiSdistLink(page.stdout);
    // …and apt's own downloader fetches the sdist and checks the sha256 the index promises.
    const download = await sshExec(
      host,
      `cd /tmp && /usr/lib/apt/apt-helper download-file '${link.url}' /tmp/${link.file} SHA256:${link.sha256} && tar -tzf /tmp/${link.file} | head -n 3`,
    );
    t.is(download.code, 0, download.stderr);
    t.regex(download.stdout, /^uwsgi-[\d.]+\//m);
  });

  labTest(`${name}: plain ssh with the lab key works without a host key prompt`, async (t) => {
    const host = hostNamed(name);
    await t.notThrowsAsync(
      execFileAsync('ssh', ['-i', host.keyFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', `root@${host.address}`, 'true']),
    );
  });
}

labTest('a host behind a bastion: no route from here, reached through the bastion, reaches the bastion only; stopping it leaves nothing behind', async (t) => {
  const bastion = hostNamed('smoke1');
  const [behind] = (await labHosts([BEHIND], { behind: bastion.name })) as [LabHost];
  behindBooted = true;
  t.not((await run('ip', ['route', 'get', behind.address])).code, 0, 'this machine has a route to the host');
  t.is((await sshExec(behind, 'hostname')).stdout.trim(), BEHIND, 'sshExec goes through the bastion');
  const connects = async (address: string, port: number) => (await sshExec(behind, `timeout 5 bash -c 'exec 3<>/dev/tcp/${address}/${port}'`)).code === 0;
  t.true(await connects(privateAddressFor(bastion.address), 22), "the bastion's sshd, on the private network");
  t.false(await connects(bastion.address, 22), "the bastion's address on the lab bridge");
  t.false(await connects(BRIDGE_ADDRESS, APT_PROXY_PORT), 'the apt proxy');

  await stopLabHosts([BEHIND]);
  const namespaces = (await run('ip', ['netns', 'list'])).stdout;
  t.false(namespaces.includes(`${NETNS_PREFIX}${BEHIND}`), namespaces);
  t.false(namespaces.includes(`${PRIVATE_NETNS_PREFIX}${bastion.name}`), namespaces);
  t.is((await sshExec(bastion, 'ip -o link show dev eth1')).code, 1, "the bastion's eth1 is gone");
  const otherPrivateNetworks = namespaces.includes(PRIVATE_NETNS_PREFIX);
  const route = (await run('ip', ['route', 'show', 'type', 'unreachable', PRIVATE_SUBNET])).stdout.trim();
  t.is(route !== '', otherPrivateNetworks, 'the no-route stays exactly while a private network does');
});
