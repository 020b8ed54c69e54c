#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { inputErrorsIn } from './core/errors.js';
import { secrets } from './core/secrets.js';
// The commands are imported when they run: validate then loads no SSH, progress or prompt library.
import type { ConvergeOptions } from './commands/converge.js';
import type { ReleasesOptions } from './commands/releases.js';
import type { RollbackOptions } from './commands/rollback.js';
import { EXIT } from './commands/exit-codes.js';
import { TOOL_VERSION } from './core/tool-version.js';
import { isPlanFile } from './plan-file/marker.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

function list(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter(Boolean);
}

function repeated(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Ansible Vault's options, for every command that reads an inventory. */
function addVaultOptions(command: Command): Command {
  return command
    .option('--vault-password-file <file>', 'decrypt Ansible Vault data with the password in this file (or printed by it, when executable); repeatable', repeated)
    .option('--ask-vault-pass', 'ask for the vault password (needs a terminal)', false);
}

function reportError(error: unknown): number {
  const errors = inputErrorsIn(error);
  if (errors) {
    for (const e of errors) process.stderr.write(secrets.mask(`error: ${e.format()}`) + '\n');
    return EXIT.input;
  }
  process.stderr.write(secrets.mask(`clamprovision: ${(error as Error)?.stack ?? String(error)}`) + '\n');
  return EXIT.failed;
}

/** The plugins (CLAM's vars schema and modules) the playbook commands need, loaded when they run. */
async function registerPlugins(): Promise<void> {
  const { registerBuiltinPlugins } = await import('./builtin-plugins.js');
  registerBuiltinPlugins();
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('clamprovision')
    .description('Put CLAM webservices (and any WSGI app) into production on Debian/Ubuntu servers over SSH.')
    .version(TOOL_VERSION)
    .showHelpAfterError()
    .exitOverride();

  /** Which hosts, from which inventory and playbook (`what`: what the command does with the playbook). */
  const addSelectionOptions = (command: Command, what: string) =>
    addVaultOptions(command)
      .option('--playbook <file>', `playbook ${what} (default: the built-in clam-webservice.yml)`)
      .option('--limit <pattern>', 'hosts or groups, comma-separated, * globs, !exclusions');
  /** How the hosts are reached. */
  const addConnectionOptions = (command: Command) =>
    command
      .option('--forks <n>', 'hosts in parallel', positiveInteger, 10)
      .option('--accept-new-host-keys', 'trust and record host keys not yet in ~/.ssh/known_hosts', false)
      .addOption(new Option('--connect-timeout <seconds>', 'SSH connect timeout').argParser(positiveInteger).default(10));

  const addRunOptions = (command: Command, online: boolean) => {
    addSelectionOptions(command, 'to run')
      .option('--tags <tags>', 'only tasks with one of these tags (comma-separated)', list)
      .option('--json', 'print one JSON document on stdout', false);
    if (online) {
      addConnectionOptions(command)
        .option('--serial <n>', 'rolling batches of n hosts; a failed batch stops the rollout', positiveInteger)
        .option('--diff', 'show file diffs (plan always shows them)', false)
        .option('-K, --ask-become-pass', 'ask for the sudo password once', false)
        .addOption(new Option('--lock-timeout <seconds>', 'wait this long for another run on a host').argParser(positiveInteger).default(300))
        .option('-v, --verbose', 'also list unchanged and skipped tasks', (_v, total: number) => total + 1, 0)
        .option('--junit <file>', 'also write a JUnit XML report of the run (one test case per host and task)');
    }
    return command;
  };

  let exitCode: number = EXIT.ok;
  addRunOptions(
    program
      .command('apply')
      .argument('<inventory|planfile...>', 'inventories (files or directories, merged in order), or a plan saved by `plan --out` (told apart by its content)')
      .description('converge every selected host; given a saved plan, apply exactly that plan'),
    true,
  ).action(async (targets: string[], options: ConvergeOptions) => {
    await registerPlugins();
    if (targets.length === 1 && isPlanFile(targets[0]!)) {
      const { applyPlanFile } = await import('./commands/saved-plan.js');
      exitCode = await applyPlanFile(targets[0]!, options);
      return;
    }
    const { converge } = await import('./commands/converge.js');
    exitCode = await converge('apply', { ...options, inventory: targets });
  });
  addRunOptions(
    program
      .command('plan')
      .argument('<inventory...>', 'inventories: files or directories, merged in order')
      .description('dry run: show what apply would change (exit 2 when changes are pending)')
      .option('--out <planfile>', 'save the plan, for `apply PLANFILE` to apply exactly'),
    true,
  ).action(async (inventory: string[], options: ConvergeOptions) => {
    await registerPlugins();
    if (options.out !== undefined) {
      const { planToFile } = await import('./commands/saved-plan.js');
      exitCode = await planToFile({ ...options, out: options.out, inventory });
      return;
    }
    const { converge } = await import('./commands/converge.js');
    exitCode = await converge('plan', { ...options, inventory });
  });
  program
    .command('show')
    .argument('<planfile>')
    .description('print a plan saved by `plan --out` again, as plan printed it')
    .option('--json', 'print one JSON document on stdout', false)
    .action(async (file: string, options: { json: boolean }) => {
      const { showPlanFile } = await import('./commands/saved-plan.js');
      exitCode = showPlanFile(file, options);
    });
  addRunOptions(program.command('validate').argument('<inventory...>', 'inventories: files or directories, merged in order').description('offline check of inventory, playbook and templates'), false).action(
    async (inventory: string[], options: ConvergeOptions) => {
      await registerPlugins();
      const { validate } = await import('./commands/validate.js');
      exitCode = validate({ ...options, inventory });
    },
  );
  addRunOptions(
    program
      .command('rollback')
      .argument('<inventory...>', 'inventories: files or directories, merged in order')
      .description("switch services back to their previous release (or --to one), then run the health checks; a release that fails them is switched back again")
      .option('--service <name>', 'only this service (default: every service of the selected hosts)')
      .option('--to <release>', 'this release (its name or the start of it) instead of the previous one')
      .option('--dry-run', 'show what would switch, change nothing (exit 2 when something would)', false),
    true,
  ).action(async (inventory: string[], options: RollbackOptions) => {
    await registerPlugins();
    const { rollback } = await import('./commands/rollback.js');
    exitCode = await rollback({ ...options, inventory });
  });
  addConnectionOptions(
    addSelectionOptions(
      program
        .command('releases')
        .argument('<inventory...>', 'inventories: files or directories, merged in order')
        .description('list the releases of every service on the selected hosts, newest first, the current one marked'),
      'to read the services from',
    ).option('--json', 'print one JSON document on stdout', false),
  ).action(async (inventory: string[], options: ReleasesOptions) => {
    await registerPlugins();
    const { releases } = await import('./commands/releases.js');
    exitCode = await releases({ ...options, inventory });
  });
  addVaultOptions(
    program
      .command('inventory')
      .argument('<inventory...>', 'inventories: files or directories, merged in order')
      .description('print the inventory as `ansible-inventory --list` does (JSON: groups, _meta.hostvars), secrets masked')
      .option('--list', 'every group and host with its merged variables', false),
  ).action(async (inventory: string[], options: { list: boolean }) => {
    const { inventoryList } = await import('./commands/inventory-list.js');
    exitCode = inventoryList(inventory, options);
  });
  program
    .command('init')
    .description('interactive first-time wizard that writes an inventory')
    .option('--output <file>', 'where to write the inventory', 'inventory.yml')
    .option('--answers <file>', 'answers as YAML/JSON instead of questions (no terminal needed)')
    .action(async (options: { output: string; answers?: string }) => {
      const { runInit } = await import('./wizard/init.js');
      exitCode = await runInit(options);
    });

  // Vault passwords are read (or asked for) once, before a command reads any input.
  program.hook('preAction', async (_program, command) => {
    if (!('askVaultPass' in command.opts())) return;
    const { readVaultPasswords } = await import('./vault/password-sources.js');
    const { setVaultPasswords } = await import('./vault/vault-passwords.js');
    setVaultPasswords(await readVaultPasswords(command.opts()));
  });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.ok;
    if (code?.startsWith('commander.')) return EXIT.input;
    return reportError(error);
  }
  return exitCode;
}

process.exitCode = await main(process.argv);
