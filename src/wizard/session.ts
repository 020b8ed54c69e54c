import { lstatSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireFile } from '../commands/missing-file.js';
import { loadYamlFile } from '../input/yaml-file.js';
import { checkAnswers, type AnswerContext, type Answers } from './answers.js';
import { askAnswers } from './dialogue.js';
import type { InitDeps, InitOptions } from './init-options.js';
import { BECOME_PASSWORD_VARIABLE, inventoryYaml } from './inventory-yaml.js';
import { inquirerTerminal } from './prompts.js';

/** `init --answers FILE`: never asks, never overwrites. */
export function fromFile(file: string, options: InitOptions, deps: InitDeps, context: AnswerContext): number {
  // Positions in errors name the file the way the user gave it (relative to where they are).
  const shown = path.relative(process.cwd(), path.resolve(deps.cwd, file)) || file;
  requireFile(file, deps.cwd);
  const answers = checkAnswers(loadYamlFile(shown), context, shown);
  const output = path.resolve(deps.cwd, options.output);
  if (!write(output, answers, deps, false)) {
    deps.stderr(`error: ${options.output} exists already; remove it or choose another file with --output\n`);
    return 1;
  }
  deps.stdout(nextSteps(options.output, answers));
  return 0;
}

/** The dialogue; its answers go through the same checkAnswers and inventoryYaml as a file's. */
export async function interactive(options: InitOptions, deps: InitDeps, context: AnswerContext): Promise<number> {
  const t = deps.terminal ?? inquirerTerminal();
  const raw = await askAnswers(t, { ...context, env: deps.env, checkServer: deps.checkServer });
  const answers = checkAnswers(raw, context);

  let target = options.output;
  let overwrite = false;
  while (present(path.resolve(deps.cwd, target))) {
    overwrite = await t.confirm({ message: `${target} exists already. Overwrite it?`, default: false });
    if (overwrite) break;
    target = (
      await t.input({
        message: 'Write the inventory to (empty: write nothing):',
        validate: (value) => (value.trim() !== '' && present(path.resolve(deps.cwd, value.trim())) ? `${value.trim()} exists already` : true),
      })
    ).trim();
    if (target === '') {
      t.say('Nothing written.');
      return 1;
    }
  }
  if (!write(path.resolve(deps.cwd, target), answers, deps, overwrite)) {
    t.say(`${target} appeared while you answered; nothing written.`);
    return 1;
  }
  t.say('');
  t.say(nextSteps(target, answers).trimEnd());
  return 0;
}

/** A name taken by anything, a dangling symbolic link too (existsSync follows links). */
function present(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the file, never writing through what is at its path (a dangling symbolic link would
 * otherwise create its target): false when something is there. An overwrite the user confirmed
 * replaces the entry itself, not what it points to.
 */
function write(file: string, answers: Answers, deps: InitDeps, overwrite: boolean): boolean {
  if (overwrite) rmSync(file, { force: true });
  try {
    writeFileSync(file, inventoryYaml(answers, file, deps.home), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function nextSteps(shownFile: string, answers: Answers): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const site = `${answers.tls ? 'https' : 'http'}://${answers.server_name}${answers.services[0]!.url_prefix}`;
  const lines = [
    `Wrote ${shownFile} (${plural(answers.servers.length, 'server')}, ${plural(answers.services.length, 'webservice')}); every setting in it is explained.`,
    '',
    'Next steps:',
  ];
  if (answers.servers.some((s) => s.sudo_password)) {
    lines.push(`  read -rs ${BECOME_PASSWORD_VARIABLE} && export ${BECOME_PASSWORD_VARIABLE}   # the sudo password (never stored in the file)`);
  }
  lines.push(
    `  clamprovision validate ${shownFile}   # check the inventory offline (contacts no server)`,
    `  clamprovision plan ${shownFile}       # connect and show what apply would change (changes nothing)`,
    `  clamprovision apply ${shownFile}      # deploy; then open ${site}`,
  );
  return lines.join('\n') + '\n';
}
