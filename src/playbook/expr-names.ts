// The variables a condition reads, for the check before any connection: a name under "is defined" anywhere in
// the condition is guarded (short-circuiting may keep every other use from running).
import type { Expr } from './expr-parse.js';

export interface ConditionNames {
  required: string[];
  guarded: Set<string>;
}

export function conditionNames(expr: Expr): ConditionNames {
  const required = new Set<string>();
  const guarded = new Set<string>();
  const stack: Expr[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop() as Expr;
    if (e.kind === 'var') required.add(String(e.path[0]));
    else if (e.kind === 'defined') guarded.add(String(e.operand.path[0]));
    else if (e.kind === 'not') stack.push(e.operand);
    else if (e.kind === 'list') stack.push(...e.items);
    else if (e.kind === 'and' || e.kind === 'or' || e.kind === 'compare') stack.push(e.left, e.right);
  }
  return { required: [...required], guarded };
}
