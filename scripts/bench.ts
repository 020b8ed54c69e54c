/**
 * `npm run bench [-- OPTIONS]`: how fast clamprovision is against lab hosts, next to the floor of a
 * plain OpenSSH `ssh HOST true` (issue 6). Needs root (the lab boots systemd-nspawn hosts) and a
 * build (`npm run bench` builds first).
 *
 * For N = 1, 10 and 50 hosts (bench1..benchN) it times, as whole processes of `node dist/cli.js`:
 *   - the first apply of the built-in CLAM playbook (nginx + the hello service) on FRESH hosts
 *     (the hosts are wiped before every run, untimed),
 *   - a no-op apply (the hosts are converged),
 *   - a plan (nothing to change),
 *   - the floor: `ssh -i KEY root@HOST true` to the same N hosts in parallel;
 * plus `validate` of a generated 100-host inventory. Reported: median wall time (min–max), remote
 * commands per host (the `commands` of `--json`) and the controller's peak RSS (GNU time's %M).
 * The results replace the part of BENCHMARKS.md between the bench markers.
 *
 * Options:
 *   --quick             N=1 only, one run each, print only (BENCHMARKS.md untouched unless --write)
 *   --sizes 1,10,50     host counts (at most 50: bench1..bench50)
 *   --runs R            runs per measurement (default 3; at least 3 for numbers worth writing down)
 *   --first-runs R      runs of the first apply (default 1; each one wipes the hosts first; Ansible's
 *                       first apply on 50 hosts compiles uWSGI 50 times)
 *   --no-first          skip the first applies (the hosts must be converged already, e.g. by a previous run with --keep)
 *   --cli FILE          the CLI to measure (default: a snapshot of dist/, playbooks/ and templates/ taken at
 *                       the start, so that a rebuild by someone else during the run changes nothing)
 *   --write / --no-write  write BENCHMARKS.md (default: yes, except with --quick)
 *   --keep              leave bench1..benchN running afterwards (default: they are stopped)
 *   --ansible-sizes 1,10  run Ansible only at these host counts (default: every size; at 50 hosts its first
 *                       apply compiles uWSGI fifty times and its runs take most of an hour)
 *   --ansible-runs R    runs of Ansible's no-op and --check (default: --runs)
 *   --no-ansible        do not run Ansible beside it (by default the bench installs Debian's ansible
 *                       package and runs bench/ansible/clam-webservice.yml on the same hosts: first
 *                       apply, no-op apply with Ansible's default forks and with forks = hosts, --check)
 *
 * Every first apply of clamprovision starts with an empty wheel cache of its own
 * (CLAMPROVISION_CACHE_DIR), as on a new controller; "first apply, warm wheel cache" (1 host) starts
 * from the cache the run before filled.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labAvailable, labHosts, labIndexTrustedHost, labIndexUrl, labInventoryYaml, labUnavailableReason, sshExec, stopLabHosts, type LabHost } from '../test/lab/hosts.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIME_BIN = '/usr/bin/time';
const BENCH_FILE = join(repoRoot, 'BENCHMARKS.md');
const BEGIN_MARK = '<!-- bench:begin (written by `npm run bench`; edit outside the markers) -->';
const END_MARK = '<!-- bench:end -->';

// ---------------------------------------------------------------------------------------------
// options

interface Options {
  sizes: number[];
  runs: number;
  firstRuns: number;
  first: boolean;
  cli: string;
  write: boolean;
  keep: boolean;
  quick: boolean;
  /** run the same job with Ansible beside each measurement (bench/ansible/) */
  ansible: boolean;
  /** the host counts Ansible runs at (undefined: all) */
  ansibleSizes?: number[];
  ansibleRuns?: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { sizes: [1, 10, 50], runs: 3, firstRuns: 1, first: true, cli: '', write: true, keep: false, quick: false, ansible: true };
  let write: boolean | undefined;
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined) throw new Error(`${name} needs a value`);
    return v;
  };
  const count = (text: string, name: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not "${text}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--sizes') options.sizes = value(++i, arg).split(',').map((s) => count(s, '--sizes'));
    else if (arg === '--runs') options.runs = count(value(++i, arg), arg);
    else if (arg === '--first-runs') options.firstRuns = count(value(++i, arg), arg);
    else if (arg === '--no-first') options.first = false;
    else if (arg === '--cli') options.cli = resolve(value(++i, arg));
    else if (arg === '--write') write = true;
    else if (arg === '--no-write') write = false;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--no-ansible') options.ansible = false;
    else if (arg === '--ansible-sizes') options.ansibleSizes = value(++i, arg).split(',').map((s) => count(s, '--ansible-sizes'));
    else if (arg === '--ansible-runs') options.ansibleRuns = count(value(++i, arg), arg);
    else throw new Error(`unknown option ${arg} (see the comment at the top of scripts/bench.ts)`);
  }
  if (options.quick) {
    options.sizes = [1];
    options.runs = 1;
  }
  options.write = write ?? !options.quick;
  if (options.sizes.some((n) => n > MAX_HOSTS)) throw new Error(`at most ${MAX_HOSTS} hosts (bench1..bench${MAX_HOSTS})`);
  return options;
}

// ---------------------------------------------------------------------------------------------
// measuring

interface Sample {
  wallMs: number;
  /** peak RSS of the measured process in KiB (GNU time %M); undefined for the ssh floor */
  rssKiB?: number;
  /** remote commands per host, from --json */
  commands?: number[];
  exitCode: number | null;
  /** per host, from the progress lines on stderr: when its first change was reported and when it finished */
  hostTimes?: HostTimes[];
  /** share of the whole machine's CPU time that was busy during the run (/proc/stat; the lab hosts run on it too) */
  cpuBusy?: number;
  /** CPU seconds each host spent on the run's SSH sessions (what it had to compute, whatever else ran) */
  hostCpuSeconds?: number[];
}

/**
 * CPU seconds used so far by everything sshd has started on the host and reaped: the listener's own
 * plus its children's times (/proc/PID/stat fields 14-17, in clock ticks of 1/100 s). A session's
 * processes are counted once it has ended, so the difference over a run is what the run cost the host.
 */
async function sshdCpuSeconds(host: LabHost): Promise<number | undefined> {
  const result = await sshExec(host, 'cat /proc/$(cat /run/sshd.pid)/stat').catch(() => undefined);
  const fields = result?.stdout.slice(result.stdout.lastIndexOf(')') + 2).trim().split(' ').map(Number);
  if (!fields || fields.length < 15) return undefined;
  // after the ')' field 3 (state) is index 0: utime..cstime (fields 14-17) are indexes 11-14
  return (fields[11]! + fields[12]! + fields[13]! + fields[14]!) / 100;
}

/** Busy and total CPU ticks of the machine so far (the first line of /proc/stat). */
function cpuTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

interface HostTimes {
  host: string;
  firstChangeMs?: number;
  doneMs?: number;
}

/**
 * Progress lines look like `› bench1: Install nginx: changed` and, at the end, `✔ bench1 (10.231.0.21): changed (…)`
 * (the address only when it is not the name).
 */
function hostTimes(lines: Array<{ ms: number; line: string }>, hosts: string[]): HostTimes[] {
  return hosts.map((host) => {
    const mine = lines.filter(({ line }) => /^\S+ (\S+)(?: \([^)]*\))?:/.exec(line)?.[1] === host);
    const firstChange = mine.find(({ line }) => line.startsWith('›') && line.endsWith(': changed'));
    const done = mine.find(({ line }) => line.startsWith('✔') || line.startsWith('✖'));
    return { host, firstChangeMs: firstChange?.ms, doneMs: done?.ms };
  });
}

interface Measurement {
  label: string;
  hosts: number;
  samples: Array<Sample & { progress?: Array<{ ms: number; line: string }> }>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** each stderr line with when it arrived (ms after spawn): the progress lines show when each host did what */
  stderrLines: Array<{ ms: number; line: string }>;
}

/** Spawns a command and measures its wall time with the monotonic clock, from spawn to exit. */
function timed(command: string, args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const stderrLines: Finished['stderrLines'] = [];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      stderr += chunk.toString();
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) stderrLines.push({ ms, line });
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout, stderr, wallMs: Number(process.hrtime.bigint() - started) / 1e6, stderrLines });
    });
  });
}

interface CliRun extends Sample {
  progress: Finished['stderrLines'];
  report?: { hosts: Array<{ name: string; status: string; error?: string; commands: number; tasks: Array<{ name: string; status: string; error?: string }> }> };
  stderr: string;
}

/** `node CLI ARGS --json` under GNU time: wall time of the whole process, its peak RSS, its report. */
async function runCli(cli: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'clamprovision-bench-')), 'rss');
  try {
    const ticksBefore = cpuTicks();
    const finished = await timed(TIME_BIN, ['-f', '%M', '-o', rssFile, process.execPath, cli, ...args, '--json'], env);
    const ticksAfter = cpuTicks();
    const cpuBusy = ticksBefore && ticksAfter && ticksAfter.total > ticksBefore.total
      ? (ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total)
      : undefined;
    const rssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    let report: CliRun['report'];
    try {
      report = JSON.parse(finished.stdout) as CliRun['report'];
    } catch {
      report = undefined;
    }
    return {
      wallMs: finished.wallMs,
      rssKiB: Number.isFinite(rssKiB) ? rssKiB : undefined,
      commands: report?.hosts?.every((h) => typeof h.commands === 'number') ? report.hosts.map((h) => h.commands) : undefined,
      exitCode: finished.code,
      report,
      stderr: finished.stderr,
      progress: finished.stderrLines,
      hostTimes: report?.hosts ? hostTimes(finished.stderrLines, report.hosts.map((h) => h.name)) : undefined,
      cpuBusy,
    };
  } finally {
    rmSync(dirname(rssFile), { recursive: true, force: true });
  }
}

/** Ansible's rows, and the row of ours each one is compared with. */
const ANSIBLE_DEFAULT_FORKS = 5;
const ANSIBLE_ROWS = {
  first: 'Ansible: first apply',
  noop: `Ansible: no-op apply (default forks, ${ANSIBLE_DEFAULT_FORKS})`,
  noopForks: 'Ansible: no-op apply (forks = hosts)',
  check: 'Ansible: --check (plan)',
};
const OURS_FOR: Record<string, string> = {
  [ANSIBLE_ROWS.first]: 'first apply',
  [ANSIBLE_ROWS.noop]: 'no-op apply',
  [ANSIBLE_ROWS.noopForks]: 'no-op apply',
  [ANSIBLE_ROWS.check]: 'plan',
};

/** The job of the built-in playbook done by Ansible (bench/ansible/), on the same hosts. */
const ANSIBLE_PLAYBOOK = join(repoRoot, 'bench', 'ansible', 'clam-webservice.yml');

function ansibleInventory(dir: string, hosts: LabHost[]): string {
  const lines = ['[bench]'];
  for (const host of hosts) {
    lines.push(`${host.name} ansible_host=${host.address} ansible_port=${host.port} ansible_user=${host.user} ansible_ssh_private_key_file=${host.keyFile}`);
  }
  lines.push('', '[bench:vars]', `service_source=${join(repoRoot, 'examples', 'hello')}`, 'url_prefix=/hello');
  lines.push(`pip_index_url=${labIndexUrl()}`, `pip_trusted_host=${labIndexTrustedHost()}`, 'ssh_port=22', 'ansible_python_interpreter=/usr/bin/python3');
  return writeInventory(dir, `ansible-${hosts.length}.ini`, `${lines.join('\n')}\n`);
}

/** Installs Debian's ansible package (ansible-core and the community.general collection for ufw) when it is missing. */
function ensureAnsible(): void {
  // ansible-core alone (another test may have installed it) lacks community.general's ufw module
  const installed = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'ansible'], { encoding: 'utf8' });
  if (installed.stdout === 'install ok installed') return;
  say('installing Debian\'s ansible package (apt-get install ansible)');
  const result = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'ansible'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) throw new Error('apt-get install ansible failed: run with --no-ansible, or apt-get update first');
}

/** `ansible-playbook` under GNU time; the recap tells how many tasks changed per host. */
async function runAnsible(inventory: string, extra: string[]): Promise<CliRun> {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'clamprovision-bench-')), 'rss');
  try {
    const finished = await timed(TIME_BIN, ['-f', '%M', '-o', rssFile, 'ansible-playbook', '-i', inventory, ANSIBLE_PLAYBOOK, ...extra], {
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    });
    const rssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    const recap = [...finished.stdout.matchAll(/^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)];
    const report: CliRun['report'] = {
      hosts: recap.map((m) => ({
        name: m[1]!,
        status: Number(m[4]) + Number(m[5]) > 0 ? 'failed' : Number(m[3]) > 0 ? 'changed' : 'ok',
        commands: Number.NaN,
        tasks: [],
      })),
    };
    return {
      wallMs: finished.wallMs,
      rssKiB: Number.isFinite(rssKiB) ? rssKiB : undefined,
      exitCode: finished.code,
      report: recap.length > 0 ? report : undefined,
      stderr: `${finished.stdout.split('\n').slice(-30).join('\n')}\n${finished.stderr}`,
      progress: [],
    };
  } finally {
    rmSync(dirname(rssFile), { recursive: true, force: true });
  }
}

function explain(run: CliRun): string {
  const lines = [`exit ${run.exitCode}`];
  for (const host of run.report?.hosts ?? []) {
    lines.push(`  ${host.name}: ${host.status}${host.error ? ` — ${host.error}` : ''}`);
    for (const task of host.tasks.filter((t) => t.status === 'failed')) lines.push(`    failed: ${task.name}: ${task.error ?? ''}`);
  }
  // Ansible's report has no per-task detail: its output's tail says what failed
  if (!run.report || run.report.hosts.every((h) => h.tasks.length === 0)) lines.push(`  output: ${run.stderr.split('\n').slice(-15).join('\n  ')}`);
  return lines.join('\n');
}

/** The floor: OpenSSH connects, authenticates, runs `true` and disconnects, on all hosts at once. */
async function sshFloor(hosts: LabHost[]): Promise<Sample> {
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    hosts.map((host) =>
      timed('ssh', [
        '-i', host.keyFile,
        '-p', String(host.port),
        '-o', 'BatchMode=yes',
        '-o', 'IdentitiesOnly=yes',
        '-o', 'StrictHostKeyChecking=yes',
        '-o', `UserKnownHostsFile=${join(homedir(), '.ssh', 'known_hosts')}`,
        '-o', 'ControlMaster=no',
        '-o', 'ControlPath=none',
        `${host.user}@${host.address}`,
        'true',
      ]),
    ),
  );
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new Error(`ssh true failed (exit ${failed.code}): ${failed.stderr.trim()}`);
  return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, exitCode: 0 };
}

// ---------------------------------------------------------------------------------------------
// the scenario

const MAX_HOSTS = 50;
const HOST_NAMES = Array.from({ length: MAX_HOSTS }, (_, i) => `bench${i + 1}`);
/** hosts this run booted or used, stopped at the end unless --keep */
const touched = new Set<string>();

function services(): Record<string, unknown> {
  return { services: [{ name: 'hello', source: join(repoRoot, 'examples', 'hello'), wsgi: 'hello.wsgi', url_prefix: '/hello' }] };
}

function writeInventory(dir: string, name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

/** A copy of the build and the data it reads, in a temporary directory laid out like the package. */
function snapshotBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'clamprovision-bench-build-'));
  for (const entry of ['dist', 'playbooks', 'templates', 'package.json']) cpSync(join(repoRoot, entry), join(root, entry), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  return root;
}

function say(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

/** Load average while measuring (sampled every second), to tell how noisy the numbers are. */
class LoadSampler {
  private readonly samples: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  start(): void {
    this.samples.push(loadavg()[0]!);
    this.timer = setInterval(() => this.samples.push(loadavg()[0]!), 1000);
    this.timer.unref();
  }
  stop(): { mean: number; max: number } {
    clearInterval(this.timer);
    const mean = this.samples.reduce((a, b) => a + b, 0) / Math.max(1, this.samples.length);
    return { mean, max: Math.max(...this.samples) };
  }
}

/** Runs the CLI `runs` times; a run that does not end as `expect` says aborts the benchmark. */
async function measureCli(
  label: string,
  hostCount: number,
  runs: number,
  run: () => Promise<CliRun>,
  expect: (r: CliRun) => string | undefined,
  before?: () => Promise<unknown>,
): Promise<Measurement> {
  const measurement: Measurement = { label, hosts: hostCount, samples: [] };
  for (let i = 0; i < runs; i++) {
    if (before) await before();
    const result = await run();
    const problem = expect(result);
    if (problem) throw new Error(`${label} on ${hostCount} host(s), run ${i + 1}: ${problem}\n${explain(result)}`);
    measurement.samples.push(result);
    const commands = result.commands ? `, ${result.commands.join('/')} commands` : '';
    const hostCpu = result.hostCpuSeconds ? `, host CPU ${result.hostCpuSeconds.map((c) => c.toFixed(0)).join('/')} s` : '';
    say(`${label}, ${hostCount} host(s), run ${i + 1}/${runs}: ${(result.wallMs / 1000).toFixed(2)} s${commands}${hostCpu}, ${((result.rssKiB ?? 0) / 1024).toFixed(0)} MB`);
  }
  return measurement;
}

function allHostsAre(status: string[], code: number): (r: CliRun) => string | undefined {
  return (r) => {
    if (r.exitCode !== code) return `exit ${r.exitCode}, expected ${code}`;
    const wrong = r.report?.hosts.filter((h) => !status.includes(h.status)) ?? [];
    if (!r.report || wrong.length > 0) return `hosts not ${status.join('/')}: ${wrong.map((h) => `${h.name} ${h.status}`).join(', ')}`;
    return undefined;
  };
}

/** Wraps a run with the hosts' CPU accounting before and after it. */
function measuringHostCpu(hosts: () => LabHost[], run: () => Promise<CliRun>): () => Promise<CliRun> {
  return async () => {
    const before = await Promise.all(hosts().map(sshdCpuSeconds));
    const result = await run();
    // the run's sshd has to exit and be reaped before its CPU time shows in the listener's
    await new Promise((resolveWait) => setTimeout(resolveWait, 1000));
    const after = await Promise.all(hosts().map(sshdCpuSeconds));
    const used = after.map((a, i) => (a === undefined || before[i] === undefined ? undefined : a - before[i]!));
    if (used.every((u) => u !== undefined)) result.hostCpuSeconds = used as number[];
    return result;
  };
}

async function benchSize(options: Options, n: number, dir: string): Promise<Measurement[]> {
  const names = HOST_NAMES.slice(0, n);
  say(`--- ${n} host(s): ${names.join(' ')}`);
  names.forEach((name) => touched.add(name));
  let hosts = await labHosts(names);
  const inventory = writeInventory(dir, `inventory-${n}.yml`, labInventoryYaml(hosts, services()));
  const cli = (command: string) => () => runCli(options.cli, [command, inventory, '--forks', String(Math.max(10, n))]);
  const out: Measurement[] = [];

  const floor: Measurement = { label: 'floor: ssh true', hosts: n, samples: [] };
  for (let i = 0; i < options.runs; i++) floor.samples.push(await sshFloor(hosts));
  out.push(floor);

  // each first apply starts with an empty wheel cache of its own, as on a new controller
  let cacheDir = '';
  const freshCache = () => {
    cacheDir = mkdtempSync(join(dir, 'wheel-cache-'));
  };
  const cliWithCache = (command: string) => () =>
    runCli(options.cli, [command, inventory, '--forks', String(Math.max(10, n))], { CLAMPROVISION_CACHE_DIR: cacheDir });
  if (options.first) {
    out.push(
      await measureCli('first apply', n, options.firstRuns, measuringHostCpu(() => hosts, cliWithCache('apply')), allHostsAre(['changed'], 0), async () => {
        hosts = await labHosts(names, { fresh: true });
        freshCache();
      }),
    );
    if (n === 1) {
      // the cache the run before filled: nothing is compiled
      out.push(
        await measureCli('first apply, warm wheel cache', n, options.firstRuns, cliWithCache('apply'), allHostsAre(['changed'], 0), async () => {
          hosts = await labHosts(names, { fresh: true });
        }),
      );
    }
  }
  out.push(await measureCli('no-op apply', n, options.runs, cli('apply'), allHostsAre(['ok'], 0)));
  out.push(await measureCli('plan', n, options.runs, cli('plan'), allHostsAre(['ok'], 0)));

  if (options.ansible && (options.ansibleSizes?.includes(n) ?? true)) {
    const runs = options.ansibleRuns ?? options.runs;
    const ansible = ansibleInventory(dir, hosts);
    const playbook = (extra: string[]) => () => runAnsible(ansible, extra);
    if (options.first) {
      out.push(
        await measureCli(ANSIBLE_ROWS.first, n, options.firstRuns, playbook([]), allHostsAre(['changed'], 0), async () => {
          hosts = await labHosts(names, { fresh: true });
        }),
      );
    }
    out.push(await measureCli(ANSIBLE_ROWS.noop, n, runs, playbook([]), allHostsAre(['ok'], 0)));
    if (n > ANSIBLE_DEFAULT_FORKS) out.push(await measureCli(ANSIBLE_ROWS.noopForks, n, runs, playbook(['--forks', String(n)]), allHostsAre(['ok'], 0)));
    // Ansible's pip module reports a change in check mode on a converged host (and so does the handler it
    // notifies): its plan is not exact, which is a finding of the bench, not a failed run
    out.push(await measureCli(ANSIBLE_ROWS.check, n, runs, playbook(['--check']), allHostsAre(['ok', 'changed'], 0)));
  }
  return out;
}

async function benchValidate(options: Options, dir: string): Promise<Measurement> {
  // addresses are never contacted by validate
  const fake: LabHost[] = Array.from({ length: 100 }, (_, i) => ({
    name: `web${String(i + 1).padStart(3, '0')}`,
    address: `10.231.0.${100 + i}`,
    port: 22,
    user: 'root',
    keyFile: '/nonexistent/id_ed25519',
    becomeUser: 'deploy',
    becomePassword: 'unused',
    suite: 'bookworm',
  }));
  const inventory = writeInventory(dir, 'inventory-100.yml', labInventoryYaml(fake, services()));
  return measureCli('validate (100 hosts)', 100, Math.max(options.runs, 5), () => runCli(options.cli, ['validate', inventory]), (r) =>
    r.exitCode === 0 ? undefined : `exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// report

const seconds = (ms: number) => (ms / 1000).toFixed(2);

function wallCell(m: Measurement): string {
  const walls = m.samples.map((s) => s.wallMs);
  const range = walls.length > 1 ? ` (${seconds(Math.min(...walls))}–${seconds(Math.max(...walls))})` : '';
  return `${seconds(median(walls))} s${range}`;
}

function commandsCell(m: Measurement): string {
  const all = m.samples.flatMap((s) => s.commands ?? []);
  if (all.length === 0) return m.label.startsWith('floor') ? '1' : '—';
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

function peakRssMiB(m: Measurement): number | undefined {
  const all = m.samples.flatMap((s) => (s.rssKiB === undefined ? [] : [s.rssKiB]));
  return all.length ? Math.max(...all) / 1024 : undefined;
}

function rssCell(m: Measurement): string {
  const peak = peakRssMiB(m);
  return peak === undefined ? '—' : `${peak.toFixed(0)} MB`;
}

interface Target {
  text: string;
  /** undefined: not measured in this run */
  met?: boolean;
  measured: string;
}

function find(ms: Measurement[], label: string, hosts: number): Measurement | undefined {
  return ms.find((m) => m.label === label && m.hosts === hosts);
}

function targets(ms: Measurement[]): Target[] {
  const wall = (label: string, n: number) => {
    const m = find(ms, label, n);
    return m ? median(m.samples.map((s) => s.wallMs)) : undefined;
  };
  const list: Target[] = [];
  const noop1 = wall('no-op apply', 1);
  list.push({ text: 'no-op apply on 1 host ≤ 1.0 s wall', met: noop1 === undefined ? undefined : noop1 <= 1000, measured: noop1 === undefined ? 'not measured' : `${seconds(noop1)} s` });
  const noop10 = wall('no-op apply', 10);
  list.push({ text: 'no-op apply on 10 hosts ≤ 2.5 s wall', met: noop10 === undefined ? undefined : noop10 <= 2500, measured: noop10 === undefined ? 'not measured' : `${seconds(noop10)} s` });
  const quiet = ms.filter((m) => m.label === 'no-op apply' || m.label === 'plan');
  const maxCommands = Math.max(...quiet.flatMap((m) => m.samples.flatMap((s) => s.commands ?? [])));
  list.push({
    text: 'no-op apply and plan: ≤ 3 remote commands per host',
    met: quiet.length ? maxCommands <= 3 : undefined,
    measured: quiet.length ? `at most ${maxCommands}` : 'not measured',
  });
  for (const [n, limit] of [[10, 200], [50, 150]] as const) {
    const ours = ms.filter((m) => m.hosts === n && !m.label.startsWith('floor') && !m.label.startsWith('Ansible'));
    const rss = ours.length ? Math.max(...ours.map((m) => peakRssMiB(m) ?? 0)) : undefined;
    list.push({ text: `controller peak RSS at ${n} hosts ≤ ${limit} MB`, met: rss === undefined ? undefined : rss <= limit, measured: rss === undefined ? 'not measured' : `${rss.toFixed(0)} MB` });
  }
  const first1 = wall('first apply', 1);
  const first10 = wall('first apply', 10);
  const ratio = first1 && first10 ? first10 / first1 : undefined;
  list.push({
    text: 'first apply on 10 fresh hosts ≤ 2x the first apply on 1 host',
    met: ratio === undefined ? undefined : ratio <= 2,
    measured: ratio === undefined ? 'not measured' : `${seconds(first10!)} s vs ${seconds(first1!)} s = ${ratio.toFixed(2)}x`,
  });
  const warm1 = wall('first apply, warm wheel cache', 1);
  list.push({ text: 'first apply on 1 fresh host with a warm wheel cache ≤ 25 s', met: warm1 === undefined ? undefined : warm1 <= 25_000, measured: warm1 === undefined ? 'not measured' : `${seconds(warm1)} s` });
  for (const [n, factor] of [[10, 30], [50, 50]] as const) {
    const ours = wall('no-op apply', n);
    const theirs = wall(ANSIBLE_ROWS.noop, n);
    const x = ours && theirs ? theirs / ours : undefined;
    list.push({
      text: `no-op apply at ${n} hosts ≥ ${factor}x faster than Ansible (default forks)`,
      met: x === undefined ? undefined : x >= factor,
      measured: x === undefined ? 'not measured' : `${seconds(theirs!)} s vs ${seconds(ours!)} s = ${x.toFixed(1)}x`,
    });
    const floor = wall('floor: ssh true', n);
    const overFloor = ours && floor ? ours / floor : undefined;
    list.push({
      text: `no-op apply at ${n} hosts within 2.5x of OpenSSH's floor`,
      met: overFloor === undefined ? undefined : overFloor <= 2.5,
      measured: overFloor === undefined ? 'not measured' : `${seconds(ours!)} s vs ${seconds(floor!)} s = ${overFloor.toFixed(1)}x`,
    });
  }
  const validate = wall('validate (100 hosts)', 100);
  list.push({ text: '`validate` of a 100-host inventory < 1 s', met: validate === undefined ? undefined : validate < 1000, measured: validate === undefined ? 'not measured' : `${seconds(validate)} s` });
  return list;
}

function table(ms: Measurement[]): string {
  const rows = [
    '| hosts | operation | wall, median (min–max) | × floor | Ansible ÷ clamprovision | remote commands per host | controller peak RSS | runs |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  const wallOf = (m: Measurement) => median(m.samples.map((s) => s.wallMs));
  for (const m of ms) {
    const floor = find(ms, 'floor: ssh true', m.hosts);
    const ratio = floor && !m.label.startsWith('floor') ? `${(wallOf(m) / wallOf(floor)).toFixed(1)}` : '';
    const ours = OURS_FOR[m.label] === undefined ? undefined : find(ms, OURS_FOR[m.label]!, m.hosts);
    const versus = ours ? `**${(wallOf(m) / wallOf(ours)).toFixed(1)}×** (vs ${seconds(wallOf(ours))} s)` : '';
    rows.push(`| ${m.hosts} | ${m.label} | ${wallCell(m)} | ${ratio} | ${versus} | ${commandsCell(m)} | ${rssCell(m)} | ${m.samples.length} |`);
  }
  return rows.join('\n');
}

function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}

function machine(load: { before: number[]; during: { mean: number; max: number }; after: number[] }, options: Options): string {
  const fmt = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  return [
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- machine: ${cpus().length} CPUs (nproc ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()}), ${cpuModel()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Linux ${release()}, Node ${process.version}`,
    `- lab hosts: systemd-nspawn Debian containers on this same machine (they share its CPUs), bridge 10.231.0.0/24`,
    `- load average (1 min): before ${fmt(load.before)} (1/5/15 min), during mean ${load.during.mean.toFixed(2)} max ${load.during.max.toFixed(2)}, after ${fmt(load.after)}`,
    `- command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`${options.quick ? ' (quick: one run, 1 host)' : ''}; CLI measured: ${options.cli.includes('clamprovision-bench-build-') ? 'dist/cli.js (a copy taken at the start)' : `\`${options.cli}\``}`,
  ].join('\n');
}

/** For the first applies: did every host start changing right away, side by side, or one after another? */
function parallelism(ms: Measurement[]): string[] {
  const firsts = ms.filter((m) => m.label === 'first apply');
  if (firsts.length === 0) return [];
  const rows = firsts.map((m) => {
    const sorted = [...m.samples].sort((a, b) => a.wallMs - b.wallMs);
    const run = sorted[Math.floor(sorted.length / 2)]!;
    const times = run.hostTimes ?? [];
    const span = (values: Array<number | undefined>) => {
      const known = values.filter((v): v is number => v !== undefined);
      return known.length === 0 ? '—' : `${seconds(Math.min(...known))}–${seconds(Math.max(...known))} s`;
    };
    const busy = run.cpuBusy === undefined ? '—' : `${(run.cpuBusy * 100).toFixed(0)} %`;
    const cpu = run.hostCpuSeconds?.length ? `${Math.min(...run.hostCpuSeconds).toFixed(0)}–${Math.max(...run.hostCpuSeconds).toFixed(0)} s` : '—';
    const need = run.hostCpuSeconds?.length ? `${(run.hostCpuSeconds.reduce((a, b) => a + b, 0) / cpus().length).toFixed(0)} s` : '—';
    return `| ${m.hosts} | ${seconds(run.wallMs)} s | ${span(times.map((t) => t.firstChangeMs))} | ${span(times.map((t) => t.doneMs))} | ${busy} | ${cpu} | ${need} |`;
  });
  return [
    '### Are the hosts converged side by side? (first apply, the median run)',
    '',
    'When each host reported its first change and when it finished, in seconds after the process started',
    '(from the progress lines on stderr). Hosts run one after another would show first changes spread over the whole run.',
    'CPU busy: the share of all of the machine\'s CPU time in use during the run (the lab hosts run on it, and so do',
    'other users of the machine): near 100 % the hosts wait for CPU, not for each other.',
    '',
    'CPU per host: CPU time the run used on each host (sshd\'s reaped children); their sum divided by this machine\'s',
    'CPUs is the least wall time the hosts need here, however well the tool runs them side by side.',
    '',
    '| hosts | wall | first change on each host | each host finished | CPU busy | CPU per host | sum / CPUs |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ];
}

/** Where a first apply on one host spends its time: the gap before each progress line of that host. */
function firstApplySteps(ms: Measurement[]): string[] {
  const m = find(ms, 'first apply', 1);
  if (!m) return [];
  const sorted = [...m.samples].sort((a, b) => a.wallMs - b.wallMs);
  const run = sorted[Math.floor(sorted.length / 2)];
  if (!run?.progress) return [];
  const steps: Array<{ what: string; ms: number }> = [];
  let previous = 0;
  for (const { ms: at, line } of run.progress) {
    const match = /^[›✔✖] \S+: (.*): changed$/.exec(line) ?? /^[✔✖] \S+(?: \([^)]*\))?: (.*)$/.exec(line);
    if (!match) continue;
    steps.push({ what: match[1]!.startsWith('changed (') ? 'connection closed, report written' : match[1]!, ms: at - previous });
    previous = at;
  }
  steps.push({ what: 'process exit after the last line', ms: run.wallMs - previous });
  return [
    '### Where a first apply on one host spends its time (the median run)',
    '',
    'Seconds between progress lines, i.e. the time of each changed task (tasks that change nothing are not listed',
    'and are included in the next line; the first line includes start-up, connection and facts).',
    '',
    '| step | seconds |',
    '|---|---:|',
    ...steps.map((step) => `| ${step.what.replace(/\|/g, '\\|')} | ${seconds(step.ms)} |`),
    '',
  ];
}

function report(ms: Measurement[], load: Parameters<typeof machine>[0], options: Options): string {
  const targetRows = targets(ms).map((t) => `| ${t.text} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? '**met**' : '**not met**'} |`);
  return [
    BEGIN_MARK,
    '## Results',
    '',
    machine(load, options),
    '',
    table(ms),
    '',
    'Wall time is the whole `node dist/cli.js … --json` process (spawn to exit, monotonic clock); the floor is',
    '`ssh -i KEY root@HOST true` with OpenSSH, to all N hosts at once. Remote commands are the SPEC\'s `commands`',
    '(SSH exec channels per host). Peak RSS is GNU time\'s %M of the CLI process.',
    '',
    ...parallelism(ms),
    ...firstApplySteps(ms),
    '### Targets (issues 6 and 18)',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...targetRows,
    END_MARK,
  ].join('\n');
}

function writeBenchmarks(section: string): void {
  const header = [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (scripts/bench.ts); see the comment at its top for the options.',
    '',
  ].join('\n');
  let text = existsSync(BENCH_FILE) ? readFileSync(BENCH_FILE, 'utf8') : `${header}\n${BEGIN_MARK}\n${END_MARK}\n`;
  const begin = text.indexOf(BEGIN_MARK);
  const end = text.indexOf(END_MARK);
  text = begin >= 0 && end > begin ? text.slice(0, begin) + section + text.slice(end + END_MARK.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(BENCH_FILE, text);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!labAvailable) {
    say(labUnavailableReason);
    return 1;
  }
  if (!existsSync(TIME_BIN)) {
    say(`${TIME_BIN} (GNU time) is needed for the peak RSS: apt-get install time`);
    return 1;
  }
  if (!existsSync(join(repoRoot, 'dist', 'cli.js')) && !options.cli) {
    say('dist/cli.js does not exist: npm run build');
    return 1;
  }
  if (options.ansible) ensureAnsible();
  const snapshot = options.cli ? undefined : snapshotBuild();
  if (snapshot) options.cli = join(snapshot, 'dist', 'cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'clamprovision-bench-'));
  const before = loadavg();
  const sampler = new LoadSampler();
  sampler.start();
  const measurements: Measurement[] = [];
  try {
    measurements.push(await benchValidate(options, dir));
    for (const n of options.sizes) measurements.push(...(await benchSize(options, n, dir)));
  } finally {
    const used = [...touched];
    if (!options.keep && used.length > 0) {
      say(`stopping ${used.join(' ')}`);
      await stopLabHosts(used).catch((error: unknown) => say(`could not stop the bench hosts: ${(error as Error).message}`));
    }
    rmSync(dir, { recursive: true, force: true });
    if (snapshot) rmSync(snapshot, { recursive: true, force: true });
  }
  const load = { before, during: sampler.stop(), after: loadavg() };
  // the validate row goes last in the table
  measurements.push(measurements.shift()!);
  const section = report(measurements, load, options);
  process.stdout.write(`${section}\n`);
  if (options.write) {
    writeBenchmarks(section);
    say(`wrote ${BENCH_FILE}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say((error as Error).stack ?? String(error));
    process.exit(1);
  },
);
