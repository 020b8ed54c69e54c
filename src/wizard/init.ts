import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isInputError, InputErrors, type InputError } from '../core/errors.js';
import { loadYamlFile } from '../input/yaml-source.js';
import { checkAnswers, type AnswerContext, type Answers } from './answers.js';
import { checkServer, type CheckServer } from './connection-check.js';
import { askAnswers } from './dialogue.js';
import { BECOME_PASSWORD_VARIABLE, inventoryYaml } from './inventory-yaml.js';
import { inquirerTerminal, type Terminal } from './prompts.js';
import { ANSWERS_FILE_HELP } from './usage.js';

export interface InitOptions {
  output: string;
  answers?: string;
}

/** Everything `init` touches outside itself, so tests can drive the dialogue through their own streams. */
export interface InitDeps {
  terminal: Terminal;
  stdinIsTTY: boolean;
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  checkServer: CheckServer;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** `clamprovision init`: returns the exit code (0 written, 1 bad input, no terminal or nothing written). */
export async function runInit(options: InitOptions, overrides: Partial<InitDeps> = {}): Promise<number> {
  const deps: InitDeps = {
    stdinIsTTY: Boolean(process.stdin.isTTY),
    cwd: process.cwd(),
    home: os.homedir(),
    env: process.env,
    checkServer,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    ...overrides,
    terminal: overrides.terminal ?? inquirerTerminal(),
  };
  const context: AnswerContext = { cwd: deps.cwd, home: deps.home };
  try {
    return options.answers === undefined ? await interactive(options, deps, context) : fromFile(options.answers, options, deps, context);
  } catch (error) {
    if (isInputError(error)) {
      const errors = error instanceof InputErrors ? error.errors : [error as InputError];
      for (const e of errors) deps.stderr(`error: ${e.format()}\n`);
      return 1;
    }
    if ((error as Error)?.name === 'ExitPromptError') {
      deps.stderr('\ninit: interrupted, nothing written\n');
      return 1;
    }
    throw error;
  }
}

function fromFile(file: string, options: InitOptions, deps: InitDeps, context: AnswerContext): number {
  // Positions in errors name the file the way the user gave it (relative to where they are).
  const shown = path.relative(process.cwd(), path.resolve(deps.cwd, file)) || file;
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

async function interactive(options: InitOptions, deps: InitDeps, context: AnswerContext): Promise<number> {
  if (!deps.stdinIsTTY) {
    deps.stderr(ANSWERS_FILE_HELP);
    return 1;
  }
  const t = deps.terminal;
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
    `  clamprovision plan ${shownFile}    # connect and show what apply would change (changes nothing)`,
    `  clamprovision apply ${shownFile}   # deploy; then open ${site}`,
  );
  return lines.join('\n') + '\n';
}
