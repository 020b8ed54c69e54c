import { confirm, input, number, password, select } from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import type { Terminal } from '../../../src/wizard/prompts.js';

/**
 * One user action at one question. The question on screen must match `ask`.
 * - `type`: typed, then Enter (no `type`: just Enter, accepting the suggestion)
 * - `choose`: in a list, move down to the choice containing this text, then Enter
 * - `rejected`: the answer must be refused with this reason; the same question stays and the
 *   next step answers it again (after the refused text is erased)
 */
export interface Step {
  ask: RegExp;
  type?: string;
  choose?: string;
  rejected?: RegExp;
}

type Rendered = Awaited<ReturnType<typeof render>>;

/**
 * A Terminal whose questions are the real @inquirer/prompts, each rendered with @inquirer/testing
 * and answered by the next steps of a script. Everything shown is kept in `transcript`.
 */
export class ScriptedTerminal implements Terminal {
  /** the screens of the questions as asked, the refusals, and the lines said in between */
  readonly transcript: string[] = [];
  /** each refusal: the question, and the screen showing it again with the reason */
  readonly refusals: Array<{ question: string; screen: string }> = [];

  constructor(private readonly steps: Step[]) {}

  get remaining(): Step[] {
    return this.steps;
  }

  say(text: string): void {
    this.transcript.push(text);
  }

  input(config: Parameters<typeof input>[0]): Promise<string> {
    return this.drive(input, config);
  }

  number(config: Parameters<typeof number>[0]): Promise<number | undefined> {
    return this.drive(number, config);
  }

  confirm(config: Parameters<typeof confirm>[0]): Promise<boolean> {
    return this.drive(confirm, config);
  }

  password(config: Parameters<typeof password>[0]): Promise<string> {
    return this.drive(password, config);
  }

  select<Value>(config: { message: string; choices: ReadonlyArray<{ value: Value; name?: string }>; default?: Value }): Promise<Value> {
    return this.drive(select as never, config) as Promise<Value>;
  }

  private async drive<Value, Config>(prompt: (config: Config, context?: never) => Promise<Value>, config: Config): Promise<Value> {
    const screen = await render(prompt as never, config as never) as Rendered & { answer: Promise<Value> };
    for (;;) {
      const step = this.steps.shift();
      const shown = screen.getScreen();
      if (!step) throw new Error(`the script has no step left for the question:\n${shown}`);
      if (!step.ask.test(shown)) throw new Error(`expected a question matching ${step.ask}, but the screen shows:\n${shown}`);
      this.transcript.push(shown);
      if (step.choose !== undefined) await this.choose(screen, step.choose);
      else {
        if (step.type) screen.events.type(step.type);
        screen.events.keypress('enter');
      }
      if (!step.rejected) return await screen.answer;
      const refusal = await waitForScreen(screen, step.rejected);
      this.refusals.push({ question: (config as { message: string }).message, screen: refusal });
      this.transcript.push(refusal);
      // Erase what the prompt kept of the refused answer (readline's Ctrl+U).
      screen.events.keypress({ name: 'u', ctrl: true });
    }
  }

  private async choose(screen: Rendered, text: string): Promise<void> {
    for (let moves = 0; moves < 20; moves++) {
      const active = screen.getScreen().split('\n').find((line) => line.includes('❯'));
      if (active?.includes(text)) {
        screen.events.keypress('enter');
        return;
      }
      screen.events.keypress('down');
      await screen.nextRender();
    }
    throw new Error(`no choice containing '${text}' in:\n${screen.getScreen()}`);
  }
}

async function waitForScreen(screen: Rendered, expected: RegExp): Promise<string> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const shown = screen.getScreen();
    if (expected.test(shown)) return shown;
    if (Date.now() > deadline) throw new Error(`expected the answer to be refused with ${expected}, but the screen shows:\n${shown}`);
    await Promise.race([screen.nextRender(), new Promise((resolve) => setTimeout(resolve, 50))]);
  }
}
