// --verify, like Terraform's "inconsistent result after apply": once a task's changes are applied, gather and plan
// again; a write still planned means the module did not converge (an idempotence bug), and the verdict names what
// was applied and what is still planned. Actions (they run by design) and uncertain changes are not compared.
import { TaskError } from '../core/errors.js';
import { changeKind, type AnyModule, type Change, type ReadContext } from '../core/module.js';

export type Convergence =
  { converged: true } | { converged: false; module: string; applied: string[]; stillPlanned: string[] };

export async function checkConvergence(
  module: AnyModule,
  ctx: ReadContext,
  args: unknown,
  applied: readonly Change[],
): Promise<Convergence> {
  const again = module.plan(await module.gather(ctx, args), args).filter(comparable);
  if (again.length === 0) return { converged: true };
  return {
    converged: false,
    module: module.name,
    applied: applied.filter(comparable).map((c) => c.summary),
    stillPlanned: again.map((c) => c.summary),
  };
}

/** A write with ops: the only kind whose plan must be empty once it was applied. */
function comparable(change: Change): boolean {
  return changeKind(change) === 'write' && change.ops.length > 0 && !change.uncertain;
}

/** The task's failure when it did not converge; the report carries the verdict as data. */
export class NotConverged extends TaskError {
  declare readonly detail: string;
  readonly convergence: Extract<Convergence, { converged: false }>;
  constructor(convergence: Extract<Convergence, { converged: false }>) {
    const n = convergence.stillPlanned.length;
    super(
      `--verify: module ${convergence.module} did not converge: ${n} change(s) still planned after applying`,
      [
        ...convergence.applied.map((s) => `applied: ${s}`),
        ...convergence.stillPlanned.map((s) => `still planned: ${s}`),
      ].join('\n'),
    );
    this.name = 'NotConverged';
    this.convergence = convergence;
  }
}
