import { confirm, input, number, password, select } from '@inquirer/prompts';
import type { Context } from '@inquirer/type';

export type InputConfig = Parameters<typeof input>[0];
export type NumberConfig = Parameters<typeof number>[0];
export type ConfirmConfig = Parameters<typeof confirm>[0];
export type PasswordConfig = Parameters<typeof password>[0];
export interface SelectConfig<Value> {
  message: string;
  choices: ReadonlyArray<{ value: Value; name?: string; short?: string; description?: string }>;
  default?: Value;
}

/** The questions the dialogue asks, and where it prints; tests drive the real prompts through their own streams. */
export interface Terminal {
  input(config: InputConfig): Promise<string>;
  number(config: NumberConfig): Promise<number | undefined>;
  confirm(config: ConfirmConfig): Promise<boolean>;
  password(config: PasswordConfig): Promise<string>;
  select<Value>(config: SelectConfig<Value>): Promise<Value>;
  /** a line of text between the questions */
  say(text: string): void;
}

/** @inquirer/prompts on the given streams (default: stdin/stdout). */
export function inquirerTerminal(context: Context = {}): Terminal {
  const output = context.output ?? process.stdout;
  return {
    input: (config) => input(config, context),
    number: (config) => number(config, context),
    confirm: (config) => confirm(config, context),
    password: (config) => password(config, context),
    select: <Value>(config: SelectConfig<Value>) => select<Value>(config, context),
    say: (text) => void output.write(`${text}\n`),
  };
}
