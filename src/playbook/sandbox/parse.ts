import { parseExpressionAt, tokenizer, tokTypes, type Expression, type Node } from 'acorn';
import { LIMITS, refuseName, SandboxError } from './limits.js';

// preserveParens: the end of `({…})` is then its closing parenthesis, so nothing after it goes unread
const OPTIONS = { ecmaVersion: 2022, preserveParens: true } as const;

/** Node types an expression may hold: data, operators, arrow functions with an expression body. */
const ALLOWED = new Set([
  'Identifier', 'Literal', 'TemplateLiteral', 'TemplateElement', 'ArrayExpression', 'ObjectExpression', 'Property',
  'SpreadElement', 'MemberExpression', 'ChainExpression', 'CallExpression', 'ArrowFunctionExpression',
  'ConditionalExpression', 'LogicalExpression', 'BinaryExpression', 'UnaryExpression', 'SequenceExpression',
  'ParenthesizedExpression',
]);

const REFUSED_OPERATORS = new Set(['delete', 'instanceof']);

/**
 * Parses one expression and refuses, before anything runs, every construct outside the allowed
 * ones (`this`, `new`, assignments, regular expressions, function bodies …) and every name that
 * leads to a prototype or a constructor.
 */
export function parseSandboxed(source: string): Expression {
  if (source.length > LIMITS.sourceLength) throw new SandboxError(`an expression longer than ${LIMITS.sourceLength} characters`);
  const expression = parseExpressionAt(source, 0, OPTIONS);
  const rest = tokenizer(source.slice(expression.end), OPTIONS).getToken();
  if (rest.type !== tokTypes.eof) throw new SandboxError(`unexpected '${source.slice(expression.end + rest.start, expression.end + rest.end)}' after the expression`);
  check(expression);
  return expression;
}

function check(node: Node): void {
  if (!ALLOWED.has(node.type)) throw new SandboxError(`${describe(node.type)} is not allowed in expressions`);
  const any = node as unknown as Record<string, unknown>;
  if (node.type === 'Identifier') refuseName(any.name as string);
  if (node.type === 'Literal' && (any.regex !== undefined)) throw new SandboxError('regular expressions are not allowed in expressions');
  if (node.type === 'MemberExpression' && !any.computed && (any.property as Node).type === 'PrivateIdentifier') throw new SandboxError('private names are not allowed');
  if (node.type === 'Property' && (any.kind !== 'init' || any.method)) throw new SandboxError('only `key: value` entries are allowed in objects');
  if ((node.type === 'UnaryExpression' || node.type === 'BinaryExpression') && REFUSED_OPERATORS.has(any.operator as string)) {
    throw new SandboxError(`the operator '${any.operator as string}' is not allowed in expressions`);
  }
  if (node.type === 'ArrowFunctionExpression') {
    if (any.async || any.generator || !any.expression) throw new SandboxError('an arrow function in an expression returns an expression: (x) => x.name');
    for (const param of any.params as Node[]) if (param.type !== 'Identifier') throw new SandboxError('arrow function parameters are plain names');
  }
  for (const [key, value] of Object.entries(any)) {
    if (key === 'type' || key === 'start' || key === 'end') continue;
    if (Array.isArray(value)) for (const child of value) if (isNode(child)) check(child);
    if (isNode(value)) check(value);
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

function describe(type: string): string {
  const words: Record<string, string> = {
    ThisExpression: "'this'",
    NewExpression: "'new'",
    AssignmentExpression: 'assignment',
    UpdateExpression: "'++' and '--'",
    FunctionExpression: "'function'",
    ClassExpression: "'class'",
    TaggedTemplateExpression: 'a tagged template',
    ImportExpression: "'import'",
    MetaProperty: "'new.target' and 'import.meta'",
    AwaitExpression: "'await'",
    YieldExpression: "'yield'",
  };
  return words[type] ?? type;
}
