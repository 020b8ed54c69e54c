import type { Expression, Node, Pattern, PrivateIdentifier, Property, SpreadElement, Super } from 'acorn';
import { GLOBALS, globalMember, isCallable, markCallable, methodOf, text } from './builtins.js';
import { checkListLength, checkMade, LIMITS, measure, refuseName, SandboxError } from './limits.js';

/** Names of one arrow function call, over those of the calls around it, over the host's variables. */
interface Frame {
  names: Map<string, unknown>;
  parent?: Frame;
}

/** Thrown by `a?.b` when `a` is null or undefined: the chain around it gives undefined. */
const SHORT_CIRCUIT = Symbol('short circuit');

/**
 * Evaluates a parsed, checked expression (see parse.ts) by walking its tree: it reaches only the
 * host's variables, its own arrow functions and the allowlisted methods and globals, reads only
 * own properties of data, and stops past a number of steps or a time.
 */
export class Evaluation {
  private steps = 0;
  private readonly deadline: number;

  /** limits: the bounds on steps and time (tests set them to make one of them the one that stops) */
  constructor(
    private readonly variables: Record<string, unknown>,
    private readonly limits: Pick<typeof LIMITS, 'steps' | 'milliseconds'> = LIMITS,
  ) {
    this.deadline = Date.now() + limits.milliseconds;
  }

  run(expression: Expression): unknown {
    const value = this.evaluate(expression, undefined);
    measure(value);
    return value;
  }

  private tick(): void {
    this.steps += 1;
    if (this.steps > this.limits.steps) throw new SandboxError(`more than ${this.limits.steps} steps`);
    if (this.steps % 1024 === 0 && Date.now() > this.deadline) throw new SandboxError(`longer than ${this.limits.milliseconds} ms`);
  }

  private lookup(name: string, frame: Frame | undefined): unknown {
    for (let f = frame; f; f = f.parent) if (f.names.has(name)) return f.names.get(name);
    if (GLOBALS.has(name)) return GLOBALS.get(name);
    if (Object.hasOwn(this.variables, name)) return this.variables[name];
    throw new SandboxError(`'${name}' is not defined`);
  }

  private evaluate(node: Node, frame: Frame | undefined): unknown {
    this.tick();
    const n = node as Expression;
    switch (n.type) {
      case 'Identifier':
        return this.lookup(n.name, frame);
      case 'Literal':
        return n.value;
      case 'TemplateLiteral': {
        let result = n.quasis[0]!.value.cooked ?? '';
        n.expressions.forEach((part, i) => {
          result += text(this.evaluate(part, frame)) + (n.quasis[i + 1]!.value.cooked ?? '');
          checkMade(result);
        });
        return result;
      }
      case 'ArrayExpression': {
        const result: unknown[] = [];
        for (const element of n.elements) {
          if (element === null) result.push(undefined);
          else if (element.type === 'SpreadElement') this.spreadInto(result, element, frame);
          else result.push(this.evaluate(element, frame));
          checkListLength(result.length);
        }
        return result;
      }
      case 'ObjectExpression':
        return this.object(n.properties, frame);
      case 'MemberExpression': {
        const object = this.evaluate(n.object, frame);
        if (object === null || object === undefined) {
          if (n.optional) throw SHORT_CIRCUIT;
          throw new SandboxError(`cannot read '${this.propertyName(n.property, n.computed, frame)}' of ${String(object)}`);
        }
        return this.member(object, this.propertyName(n.property, n.computed, frame));
      }
      case 'ChainExpression':
        try {
          return this.evaluate(n.expression, frame);
        } catch (error) {
          if (error === SHORT_CIRCUIT) return undefined;
          throw error;
        }
      case 'CallExpression':
        return this.call(n.callee, n.arguments, n.optional, frame);
      case 'ArrowFunctionExpression': {
        const params = n.params.map((param) => (param as Pattern & { name: string }).name);
        const body = n.body;
        return markCallable((...args: unknown[]) => {
          const names = new Map(params.map((name, i) => [name, args[i]]));
          return this.evaluate(body, { names, parent: frame });
        });
      }
      case 'ConditionalExpression':
        return this.evaluate(n.test, frame) ? this.evaluate(n.consequent, frame) : this.evaluate(n.alternate, frame);
      case 'LogicalExpression': {
        const left = this.evaluate(n.left, frame);
        if (n.operator === '&&') return left ? this.evaluate(n.right, frame) : left;
        if (n.operator === '||') return left ? left : this.evaluate(n.right, frame);
        return left ?? this.evaluate(n.right, frame);
      }
      case 'BinaryExpression':
        return this.binary(n.operator, this.evaluate(n.left as Expression, frame), this.evaluate(n.right, frame));
      case 'UnaryExpression': {
        const value = this.evaluate(n.argument, frame);
        switch (n.operator) {
          case '!':
            return !value;
          case 'typeof':
            return typeof value;
          case 'void':
            return undefined;
          case '-':
            return -(primitive(value) as number);
          case '+':
            return +(primitive(value) as number);
          case '~':
            return ~(primitive(value) as number);
        }
        throw new SandboxError(`the operator '${n.operator}' is not allowed in expressions`);
      }
      case 'ParenthesizedExpression':
        return this.evaluate(n.expression, frame);
      case 'SequenceExpression': {
        let last: unknown;
        for (const expression of n.expressions) last = this.evaluate(expression, frame);
        return last;
      }
      default:
        throw new SandboxError(`${n.type} is not allowed in expressions`);
    }
  }

  private spreadInto(target: unknown[], element: SpreadElement, frame: Frame | undefined): void {
    const value = this.evaluate(element.argument, frame);
    if (typeof value !== 'string' && !Array.isArray(value)) throw new SandboxError('only a list (or a string) can be spread into a list or a call');
    checkListLength(target.length + value.length);
    for (const item of value) target.push(item);
  }

  private object(properties: Array<Property | SpreadElement>, frame: Frame | undefined): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const define = (key: string, value: unknown): void => {
      refuseName(key);
      Object.defineProperty(result, key, { value, writable: true, enumerable: true, configurable: true });
    };
    for (const property of properties) {
      if (property.type === 'SpreadElement') {
        const value = this.evaluate(property.argument, frame);
        if (value !== null && value !== undefined) for (const [key, item] of Object.entries(value)) define(key, item);
      } else {
        define(this.propertyName(property.key, property.computed, frame), this.evaluate(property.value, frame));
      }
    }
    return result;
  }

  private propertyName(key: Expression | PrivateIdentifier, computed: boolean, frame: Frame | undefined): string {
    if (!computed) {
      if (key.type === 'Identifier') return key.name;
      if (key.type === 'Literal') return String(key.value);
      throw new SandboxError('unsupported property name');
    }
    const value = this.evaluate(key, frame);
    if (typeof value !== 'string' && typeof value !== 'number') throw new SandboxError('a computed property name must be a string or a number');
    return String(value);
  }

  /** Own properties of data; `length` of lists and strings; members of the globals. Never a method. */
  private member(object: unknown, name: string): unknown {
    refuseName(name);
    const global = globalMember(object, name);
    if (global) return global.value;
    if (typeof object === 'string') {
      if (name === 'length') return object.length;
      if (/^\d+$/.test(name)) return object[Number(name)];
    } else if (typeof object === 'object' && object !== null) {
      if (Array.isArray(object) && name === 'length') return object.length;
      if (Object.hasOwn(object, name)) return (object as Record<string, unknown>)[name];
    }
    if (methodOf(object, name)) throw new SandboxError(`'${name}' is a method: call it`);
    return undefined;
  }

  private call(callee: Expression | Super, args: Array<Expression | SpreadElement>, optional: boolean, frame: Frame | undefined): unknown {
    let fn: (values: unknown[]) => unknown;
    if (callee.type === 'MemberExpression') {
      const object = this.evaluate(callee.object, frame);
      if (object === null || object === undefined) {
        if (callee.optional) throw SHORT_CIRCUIT;
        throw new SandboxError(`cannot call '${this.propertyName(callee.property, callee.computed, frame)}' of ${String(object)}`);
      }
      const name = this.propertyName(callee.property, callee.computed, frame);
      refuseName(name);
      const method = methodOf(object, name);
      const value = method ? undefined : this.member(object, name);
      if (!method && !isCallable(value)) throw new SandboxError(`'${name}' is not a function an expression may call`);
      fn = method ?? ((values) => checkMade((value as (...a: unknown[]) => unknown)(...values)));
    } else {
      const value = this.evaluate(callee as Expression, frame);
      if ((value === null || value === undefined) && optional) throw SHORT_CIRCUIT;
      if (!isCallable(value)) throw new SandboxError(`${callee.type === 'Identifier' ? `'${callee.name}'` : 'this value'} is not a function an expression may call`);
      fn = (values) => checkMade(value(...values));
    }
    const values: unknown[] = [];
    for (const arg of args) {
      if (arg.type === 'SpreadElement') this.spreadInto(values, arg, frame);
      else values.push(this.evaluate(arg, frame));
      checkListLength(values.length);
    }
    return fn(values);
  }

  private binary(operator: string, left: unknown, right: unknown): unknown {
    if (operator === 'in') {
      if (typeof right !== 'object' || right === null) throw new SandboxError("'in' needs an object on its right");
      return Object.hasOwn(right, String(primitive(left)));
    }
    const a = primitive(left) as number;
    const b = primitive(right) as number;
    switch (operator) {
      case '==':
        // eslint-disable-next-line eqeqeq
        return left == right;
      case '!=':
        // eslint-disable-next-line eqeqeq
        return left != right;
      case '===':
        return left === right;
      case '!==':
        return left !== right;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case '+':
        return checkMade(a + b);
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      case '%':
        return a % b;
      case '**':
        return a ** b;
      case '&':
        return a & b;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '<<':
        return a << b;
      case '>>':
        return a >> b;
      case '>>>':
        return a >>> b;
    }
    throw new SandboxError(`the operator '${operator}' is not allowed in expressions`);
  }
}

/** A list or object as an operand becomes text: checked first, as that walks all of it. */
function primitive(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) measure(value);
  return value;
}
