/**
 * Ansible types the values of an INI inventory with Python's `ast.literal_eval`: a value that is a
 * Python literal (`1`, `1.5`, `0x10`, `True`, `None`, `'text'`, `[1, 2]`, `{'a': 1}`, `1,2`) becomes
 * that value; anything else (`root`, `yes`, `010`, `/usr/bin/python3`) stays the string it is.
 *
 * parsePythonLiteral returns { value } for a literal, undefined for text that is none, and throws
 * (a plain Error with the reason) for a literal this reader does not take (complex numbers, bytes,
 * sets, integers past 2^53): better refused than read as something else.
 */
export function parsePythonLiteral(text: string): { value: unknown } | undefined {
  const reader = new LiteralReader(text.replace(/^[ \t]+/, ''));
  try {
    const value = reader.expressionList();
    reader.skipSpace();
    return reader.atEnd() ? { value } : undefined;
  } catch (error) {
    if (error instanceof NotALiteral) return undefined;
    throw error;
  }
}

class NotALiteral extends Error {}

const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*)?\.?(?:[0-9](?:_?[0-9])*)?(?:[eE][-+]?[0-9](?:_?[0-9])*)?)[jJ]?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

class LiteralReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && ' \t'.includes(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? '';
  }

  private eat(char: string): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  /** `1, 2` without brackets is a tuple, as in Python. */
  expressionList(): unknown {
    const first = this.value();
    if (this.peek() !== ',') return first;
    const items = [first];
    while (this.eat(',')) {
      if (this.atEnd() || this.peek() === '') break;
      items.push(this.value());
    }
    return items;
  }

  private value(): unknown {
    const char = this.peek();
    if (char === '[') return this.sequence('[', ']').items;
    if (char === '(') {
      const { items, comma } = this.sequence('(', ')');
      // `(1)` is 1; `(1,)` and `()` are tuples
      return items.length === 1 && !comma ? items[0] : items;
    }
    if (char === '{') return this.mapping();
    if (char === '-' || char === '+') {
      this.pos++;
      const operand = this.value();
      if (typeof operand !== 'number') throw new NotALiteral();
      return char === '-' ? -operand : operand;
    }
    const string = this.strings();
    if (string !== undefined) return string;
    const rest = this.text.slice(this.pos);
    const name = NAME.exec(rest);
    if (name) {
      this.pos += name[0].length;
      const constants: Record<string, unknown> = { True: true, False: false, None: null };
      if (name[0] in constants) return constants[name[0]];
      throw new NotALiteral();
    }
    const number = NUMBER.exec(rest);
    if (number && number[0] !== '' && number[0] !== '.') {
      this.pos += number[0].length;
      return toNumber(number[0]);
    }
    throw new NotALiteral();
  }

  private sequence(open: string, close: string): { items: unknown[]; comma: boolean } {
    this.eat(open);
    const items: unknown[] = [];
    let comma = false;
    while (!this.eat(close)) {
      if (this.atEnd()) throw new NotALiteral();
      items.push(this.value());
      comma = this.eat(',');
      if (!comma && this.peek() !== close) throw new NotALiteral();
    }
    return { items, comma };
  }

  private mapping(): Record<string, unknown> {
    this.eat('{');
    const object: Record<string, unknown> = {};
    let first = true;
    while (!this.eat('}')) {
      if (this.atEnd()) throw new NotALiteral();
      const key = this.value();
      if (!this.eat(':')) {
        if (first) throw new Error('a Python set ({a, b}) is not supported as a value');
        throw new NotALiteral();
      }
      first = false;
      const value = this.value();
      if (typeof key === 'object' && key !== null) throw new Error('a Python dict with a list or dict as a key is not supported');
      const name = key === true ? 'True' : key === false ? 'False' : key === null ? 'None' : String(key);
      if (name === '__proto__') throw new Error("a key named '__proto__' is not allowed");
      Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
      if (!this.eat(',') && this.peek() !== '}') throw new NotALiteral();
    }
    return object;
  }

  /** One string literal or several side by side ('a' "b" is 'ab'), or undefined when none starts here. */
  private strings(): string | undefined {
    let result: string | undefined;
    for (;;) {
      this.skipSpace();
      const match = /^([rRuUbBfF]{0,2})('''|"""|'|")/.exec(this.text.slice(this.pos));
      if (!match) return result;
      const prefix = match[1]!.toLowerCase();
      if (prefix.includes('b')) throw new Error('a Python bytes value (b"…") is not supported');
      // an f-string is an expression, not a literal: Python keeps the text
      if (prefix.includes('f') || (prefix !== '' && !['r', 'u'].includes(prefix))) throw new NotALiteral();
      this.pos += match[0].length;
      result = (result ?? '') + this.stringBody(match[2]!, prefix === 'r');
    }
  }

  private stringBody(quote: string, raw: boolean): string {
    let out = '';
    for (;;) {
      if (this.atEnd()) throw new NotALiteral();
      if (this.text.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const char = this.text[this.pos]!;
      if (char === '\n' && quote.length === 1) throw new NotALiteral();
      if (char === '\\') {
        const next = this.text[this.pos + 1] ?? '';
        if (raw) {
          out += char + next;
          this.pos += 2;
          continue;
        }
        const simple = ESCAPES[next];
        if (simple !== undefined) {
          out += simple;
          this.pos += 2;
          continue;
        }
        const code = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{1,3}))/.exec(this.text.slice(this.pos + 1));
        if (code) {
          out += String.fromCodePoint(parseInt(code[1] ?? code[2] ?? code[3] ?? code[4]!, code[4] ? 8 : 16));
          this.pos += 1 + code[0].length;
          continue;
        }
        out += char;
        this.pos++;
        continue;
      }
      out += char;
      this.pos++;
    }
  }
}

function toNumber(text: string): number {
  if (/[jJ]$/.test(text)) throw new Error(`a Python complex number (${text}) is not supported as a value`);
  const digits = text.replace(/_/g, '');
  if (/^0[xob]/i.test(digits)) return checkedInteger(BigInt(digits), text);
  if (/^[0-9]+$/.test(digits)) {
    // Python 3 refuses 010: the text stays a string
    if (digits.length > 1 && digits.startsWith('0') && /[1-9]/.test(digits)) throw new NotALiteral();
    return checkedInteger(BigInt(digits), text);
  }
  return Number(digits);
}

function checkedInteger(value: bigint, text: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`the integer ${text} is too large (at most ${Number.MAX_SAFE_INTEGER})`);
  return Number(value);
}
