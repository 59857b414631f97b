// Conditions (`when`, `changed_when`, `failed_when`) parsed once per run and evaluated per host.
import { TaskError } from '../core/errors.js';
import { evalExpr, parseExpr, truthy, type Expr } from '../playbook/expr.js';

export class Expressions {
  readonly #parsed = new Map<string, Expr>();

  test(text: string, vars: Record<string, unknown>): boolean {
    let expr = this.#parsed.get(text);
    if (!expr) {
      expr = parseExpr(text);
      this.#parsed.set(text, expr);
    }
    try {
      return truthy(evalExpr(expr, vars));
    } catch (error) {
      throw new TaskError(`condition "${text}": ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
