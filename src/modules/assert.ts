// assert: fail the task with `msg` when a condition is false. Conditions use the `when:` language,
// evaluated against the host's variables (registered results included); nothing runs on the host.
import { z } from 'zod';
import { TaskError } from '../core/errors.js';
import { defineModule } from '../core/module.js';
import { evalExpr, parseExpr, truthy } from '../playbook/expr.js';

const condition = z.union([z.boolean(), z.string().min(1)]);

export const assertArgs = z
  .object({
    that: z
      .union([condition, z.array(condition).min(1)])
      .describe(
        'Condition(s) in the `when:` expression language (e.g. "facts.cpus >= 2", "web.status == 200"); all must hold. A boolean (from a rendered {{ }}) is taken as is.',
      ),
    msg: z.string().default('assertion failed').describe('The failure message.'),
    success_msg: z.string().optional().describe('Exposed to register as `msg` when all conditions hold.'),
  })
  .strict();

export type AssertArgs = z.infer<typeof assertArgs>;

export interface AssertFacts {
  /** Each condition's text and outcome, in order. */
  results: Array<{ that: string; ok: boolean }>;
}

export function evaluateConditions(that: AssertArgs['that'], vars: Record<string, unknown>): AssertFacts {
  const list = Array.isArray(that) ? that : [that];
  return {
    results: list.map((c) => {
      if (typeof c === 'boolean') return { that: String(c), ok: c };
      try {
        return { that: c, ok: truthy(evalExpr(parseExpr(c), vars)) };
      } catch (err) {
        throw new TaskError(`assert: cannot evaluate "${c}": ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  };
}

export const assertModule = defineModule<AssertArgs, AssertFacts>({
  name: 'assert',
  description: 'Fail with a message unless every condition holds; changes nothing.',
  args: assertArgs,
  apiOnly: true,
  gather(ctx, args) {
    return Promise.resolve(evaluateConditions(args.that, { ...ctx.vars }));
  },
  plan(facts, args) {
    const failed = facts.results.filter((r) => !r.ok);
    if (failed.length > 0) throw new TaskError(args.msg, `failed: ${failed.map((r) => r.that).join('; ')}`);
    return [];
  },
  result: (facts, args) => ({ msg: args.success_msg ?? 'all assertions passed', evaluated: facts.results }),
});
