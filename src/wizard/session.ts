import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireFile } from '../commands/missing-file.js';
import { loadYamlFile } from '../input/yaml-source.js';
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
  if (existsSync(output)) {
    deps.stderr(`error: ${options.output} exists already; remove it or choose another file with --output\n`);
    return 1;
  }
  write(output, answers, deps);
  deps.stdout(nextSteps(options.output, answers));
  return 0;
}

/** The dialogue; its answers go through the same checkAnswers and inventoryYaml as a file's. */
export async function interactive(options: InitOptions, deps: InitDeps, context: AnswerContext): Promise<number> {
  const t = deps.terminal ?? inquirerTerminal();
  const raw = await askAnswers(t, { ...context, env: deps.env, checkServer: deps.checkServer });
  const answers = checkAnswers(raw, context);

  let target = options.output;
  while (existsSync(path.resolve(deps.cwd, target))) {
    if (await t.confirm({ message: `${target} exists already. Overwrite it?`, default: false })) break;
    target = (
      await t.input({
        message: 'Write the inventory to (empty: write nothing):',
        validate: (value) => (value.trim() !== '' && existsSync(path.resolve(deps.cwd, value.trim())) ? `${value.trim()} exists already` : true),
      })
    ).trim();
    if (target === '') {
      t.say('Nothing written.');
      return 1;
    }
  }
  write(path.resolve(deps.cwd, target), answers, deps);
  t.say('');
  t.say(nextSteps(target, answers).trimEnd());
  return 0;
}

function write(file: string, answers: Answers, deps: InitDeps): void {
  writeFileSync(file, inventoryYaml(answers, file, deps.home));
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
