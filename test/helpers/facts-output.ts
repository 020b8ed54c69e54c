/**
 * HostFacts -> what the facts script prints on a host with those facts (the protocol of
 * src/facts/script.ts: `@@clamprovision-facts 1`, one `@@KIND KEY FIELD…` record a line, `@@end`).
 * The fake host answers the facts command with it, so the engine parses facts as it does from SSH.
 */
import type { PipResolutionFact } from '../../src/facts/kinds/pip-resolution.js';
import type { FileFact, FileType, HostFacts, OsFact, PackageFact, ServiceFact, TreeFact, UserFact, VenvFact } from '../../src/facts/types.js';

/** The epoch second the fake host's clock shows (aptListsAge is counted back from it). */
const NOW = 1_700_000_000;
/** The controller's address as the host sees it, when the facts give a port but no address. */
const DEFAULT_CLIENT = '192.0.2.10';

const key = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const blob = (data: string | Buffer) => `b:${Buffer.from(data).toString('base64')}`;

const TYPE_BITS: Record<FileType, number> = { file: 0o100000, directory: 0o040000, link: 0o120000, other: 0o010000 };
const TREE_LETTERS: Record<FileType, string> = { file: 'f', directory: 'd', link: 'l', other: 'p' };

function osRelease(os: OsFact): string {
  const quoted = (value: string) => `"${value.replace(/(["$`\\])/g, '\\$1')}"`;
  return [`ID=${os.id}`, `VERSION_ID=${quoted(os.versionId)}`, `VERSION_CODENAME=${os.codename}`, `PRETTY_NAME=${quoted(os.prettyName)}`, `ID_LIKE=${os.idLike}`, ''].join('\n');
}

function fileRecord(path: string, fact: FileFact): string {
  if (!fact.exists) return `@@file ${key(path)} missing`;
  const raw = (TYPE_BITS[fact.type] | fact.mode).toString(16);
  const link = fact.linkTarget === undefined ? '-' : blob(fact.linkTarget);
  const data = fact.content === undefined ? '-' : blob(fact.content);
  return `@@file ${key(path)} ${raw} ${fact.mode.toString(8)} ${fact.owner} ${fact.group} ${fact.size} ${fact.sha256 ?? '-'} ${link} ${data}`;
}

function treeRecord(path: string, fact: TreeFact): string {
  if (!fact.exists) return `@@tree ${key(path)} missing`;
  const listing: string[] = [];
  const sums: string[] = [];
  for (const [relative, entry] of fact.entries) {
    listing.push(`${TREE_LETTERS[entry.type]} ${entry.mode.toString(8)} ${entry.owner} ${entry.group} ${relative}`, entry.linkTarget ?? '');
    if (entry.sha256) sums.push(`${entry.sha256}  ./${relative}`);
  }
  return `@@tree ${key(path)} ${blob(listing.map((field) => `${field}\0`).join(''))} ${blob(sums.map((line) => `${line}\0`).join(''))}`;
}

/** dpkg-query lines for what dpkg knows, `apt-cache policy` blocks for the candidates given. */
function packagesRecord(packages: Map<string, PackageFact>): string {
  const dpkg: string[] = [];
  const policy: string[] = [];
  for (const [name, fact] of packages) {
    if (fact.installed) dpkg.push(`${name}\tii \t${fact.version ?? ''}`);
    else if (fact.configFiles) dpkg.push(`${name}\trc \t`);
    if (fact.candidate !== undefined) {
      policy.push(`${name}:`, `  Installed: ${fact.installed ? fact.version : '(none)'}`, `  Candidate: ${fact.candidate ?? '(none)'}`);
    }
  }
  return `@@packages ${key([...packages.keys()].join(' '))} ${blob(dpkg.join('\n'))} ${policy.length ? blob(policy.join('\n') + '\n') : '-'}`;
}

function serviceRecord(name: string, fact: ServiceFact): string {
  if (fact.manager === 'initscript') {
    return `@@service ${key(name)} initscript ${fact.exists ? 1 : 0} ${fact.active === 'active' ? 0 : 3} ${fact.enabled === 'enabled' ? 1 : 0}`;
  }
  const load = !fact.exists ? 'not-found' : fact.enabled === 'masked' ? 'masked' : 'loaded';
  const show = [
    `LoadState=${load}`,
    `ActiveState=${fact.active}`,
    `UnitFileState=${fact.enabled}`,
    `MainPID=${fact.mainPid ?? 0}`,
    `NeedDaemonReload=${fact.needsDaemonReload ? 'yes' : 'no'}`,
  ];
  return `@@service ${key(name)} systemd ${blob(show.join('\n') + '\n')}`;
}

function venvRecord(path: string, fact: VenvFact): string {
  if (!fact.exists) return `@@venv ${key(path)} missing`;
  const cfg = fact.python === undefined ? '-' : blob(`home = /usr/bin\nversion = ${fact.python}\n`);
  // as pip names them: a distribution's name and version with '_' for '-'
  const dists = [...fact.packages].map(([name, version]) => `${name.replace(/-/g, '_')}-${version.replace(/-/g, '_')}.dist-info\n`);
  const markers = [...fact.markers].map(([name, content]) => `${name} ${key(content)}\n`);
  return `@@venv ${key(path)} ${cfg} ${blob(dists.join(''))} ${blob(markers.join(''))}`;
}

/** The report pip would print for what the facts say it would install (the fields the parser reads). */
function pipResolutionRecord(requestKey: string, fact: PipResolutionFact): string {
  if ('unavailable' in fact) return `@@pipres ${key(requestKey)} unavailable ${blob(fact.unavailable)}`;
  const { resolution } = fact;
  const suffix = { wheel: '-py3-none-any.whl', sdist: '.tar.gz', tree: '' } as const;
  const report = {
    version: '1',
    install: resolution.install.map((d) => ({
      metadata: { name: d.name, version: d.version },
      download_info:
        d.source === 'tree'
          ? { url: `file:///src/${d.name}`, dir_info: {} }
          : { url: `https://index.example/${d.name}-${d.version}${suffix[d.source]}`, archive_info: d.sha256 ? { hashes: { sha256: d.sha256 } } : {} },
    })),
    environment: { implementation_name: resolution.implementation, python_version: resolution.pythonVersion, platform_machine: resolution.machine },
  };
  return `@@pipres ${key(requestKey)} ok ${blob(JSON.stringify(report))}`;
}

function accountRecord(name: string, fact: UserFact): string {
  if (!fact.exists) return `@@account ${key(name)} missing`;
  const passwd = `${name}:x:${fact.uid ?? 1000}:${fact.gid ?? 1000}::${fact.home ?? ''}:${fact.shell ?? ''}`;
  const all = [...(fact.group ? [fact.group] : []), ...fact.groups];
  return `@@account ${key(name)} ${blob(passwd)} ${blob(fact.group ?? '')} ${blob(all.join(' '))}`;
}

/** What the facts script prints on a host with these facts (every fact given, whether asked or not). */
export function factsOutput(facts: HostFacts): string {
  if (facts.ufw) throw new Error('fake host: ufw facts are not written yet (add them to test/helpers/facts-output.ts)');
  const client = facts.sshClientAddress ?? (facts.sshPort === undefined ? undefined : DEFAULT_CLIENT);
  const ssh = client === undefined ? '' : `${client} 50000 198.51.100.1 ${facts.sshPort ?? 22}`;
  const lines = [
    '@@clamprovision-facts 1',
    `@@os ${blob(osRelease(facts.os))}`,
    `@@init ${facts.init}`,
    `@@whoami ${blob(`${facts.user}\n`)}`,
    `@@ssh ${blob(ssh)}`,
    facts.aptListsAge === undefined ? '@@apt never' : `@@apt ${NOW} ${NOW - facts.aptListsAge}`,
    ...[...facts.files].map(([path, fact]) => fileRecord(path, fact)),
    ...[...facts.trees].map(([path, fact]) => treeRecord(path, fact)),
    ...(facts.packages.size > 0 ? [packagesRecord(facts.packages)] : []),
    ...[...facts.services].map(([name, fact]) => serviceRecord(name, fact)),
    ...[...facts.venvs].map(([path, fact]) => venvRecord(path, fact)),
    ...[...facts.users].map(([name, fact]) => accountRecord(name, fact)),
    ...[...facts.groups].map(([name, fact]) => (fact.exists ? `@@group ${key(name)} ${blob(`${name}:x:${fact.gid ?? 1000}:`)}` : `@@group ${key(name)} missing`)),
    ...[...facts.probes].map(([command, code]) => `@@probe ${key(command)} ${code}`),
    ...[...facts.pipResolutions].map(([requestKey, fact]) => pipResolutionRecord(requestKey, fact)),
    ...[...facts.releases].map(([home, fact]) => {
      const lines = [`current ${fact.current ?? '-'}`, ...fact.releases.map((r) => `release ${r.id} ${r.deployedAt ?? ''}`.trimEnd())];
      return `@@releases ${key(home)} ${blob(lines.join('\n'))}`;
    }),
    '@@end',
  ];
  return lines.join('\n') + '\n';
}
