// Evaluation of parsed conditions against a vars object. Pure; never calls user code.
import { isDeepStrictEqual } from 'node:util';
import type { Expr, PathKey } from './expr-parse.js';

/** A condition that cannot be evaluated: an undefined variable, or operands of the wrong types. */
export class ExprError extends Error {
  /** The variable path that was not defined, when that is the problem. */
  readonly variable: string | undefined;
  constructor(message: string, variable?: string) {
    super(message);
    this.name = 'ExprError';
    this.variable = variable;
  }
}

type Lookup = { found: true; value: unknown } | { found: false; missing: string };

function lookup(vars: Readonly<Record<string, unknown>>, path: readonly PathKey[]): Lookup {
  let current: unknown = vars;
  let walked = '';
  for (const key of path) {
    walked = typeof key === 'number' ? `${walked}[${key}]` : walked === '' ? key : `${walked}.${key}`;
    if (Array.isArray(current) && typeof key === 'number' && key >= 0 && key < current.length) {
      current = current[key];
    } else if (
      typeof current === 'object' &&
      current !== null &&
      !Array.isArray(current) &&
      Object.hasOwn(current, String(key))
    ) {
      // Own properties only: no prototype members such as "constructor" or "__proto__".
      current = (current as Record<string, unknown>)[String(key)];
    } else {
      return { found: false, missing: walked };
    }
    if (current === undefined) return { found: false, missing: walked };
  }
  return { found: true, value: current };
}

/** Truthiness as in Jinja: false, null, 0, "", [] and {} are false; everything else is true. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

function order(op: string, left: unknown, right: unknown): boolean {
  const comparable =
    (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) throw new ExprError(`cannot compare ${typeName(left)} ${op} ${typeName(right)}`);
  const l = left;
  const r = right;
  if (op === '<') return l < r;
  if (op === '<=') return l <= r;
  if (op === '>') return l > r;
  return l >= r;
}

function contains(container: unknown, item: unknown): boolean {
  if (Array.isArray(container)) return container.some((x) => isDeepStrictEqual(x, item));
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new ExprError(`cannot test whether a ${typeName(item)} is in a string`);
    return container.includes(item);
  }
  if (typeof container === 'object' && container !== null) {
    if (typeof item !== 'string' && typeof item !== 'number')
      throw new ExprError(`cannot test whether a ${typeName(item)} is a key of a mapping`);
    return Object.hasOwn(container, String(item));
  }
  throw new ExprError(`"in" needs a list, a string or a mapping on its right, got ${typeName(container)}`);
}

/** Evaluates an expression; an undefined variable outside `is defined` throws ExprError naming it. */
export function evalExpr(expr: Expr, vars: Readonly<Record<string, unknown>>): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'list':
      return expr.items.map((item) => evalExpr(item, vars));
    case 'var': {
      const result = lookup(vars, expr.path);
      if (!result.found) throw new ExprError(`undefined variable "${result.missing}"`, result.missing);
      return result.value;
    }
    case 'defined':
      return lookup(vars, expr.operand.path).found === expr.defined;
    case 'not':
      return !truthy(evalExpr(expr.operand, vars));
    case 'and':
      return truthy(evalExpr(expr.left, vars)) && truthy(evalExpr(expr.right, vars));
    case 'or':
      return truthy(evalExpr(expr.left, vars)) || truthy(evalExpr(expr.right, vars));
    case 'compare': {
      const left = evalExpr(expr.left, vars);
      const right = evalExpr(expr.right, vars);
      switch (expr.op) {
        case '==':
          return isDeepStrictEqual(left, right);
        case '!=':
          return !isDeepStrictEqual(left, right);
        case 'in':
          return contains(right, left);
        case 'not in':
          return !contains(right, left);
        default:
          return order(expr.op, left, right);
      }
    }
  }
}
