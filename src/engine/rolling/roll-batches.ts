// The roll's third step: batch by batch, every node of the batch through its steps (node-runner.ts), at most
// `forks` at once. The first batch with a failed node stops the roll; Ctrl-C stops it between steps.
import pLimit from 'p-limit';
import { withError, withPhase, withProof } from './journal.js';
import { makeNodeRunner } from './node-runner.js';
import { stepsFrom } from './phase.js';
import type { PreflightPlan } from './preflight.js';
import { rollFiles, writePhaseScript } from './remote-files.js';
import { failNode, fleetOps, nodeOf, type RollContext } from './roll-context.js';
import type { RollJournal } from './roll-journal.js';
import { runNodeSteps, type NodeRunResult } from './run-node.js';

/** Why the roll stopped, or undefined when every batch went through. */
export async function runBatches(
  rc: RollContext,
  plan: PreflightPlan,
  journal: RollJournal,
): Promise<string | undefined> {
  const limit = pLimit(Math.max(1, rc.play.options.forks));
  for (const batch of rc.batches) {
    if (rc.play.options.signal?.aborted) return 'interrupted';
    const results = await Promise.all(batch.map((h) => limit(() => rollNode(rc, plan, journal, h, batch))));
    const failed = results.filter((r) => r.failed).length;
    if (failed > 0) return `${failed} node(s) of the batch failed: the roll stopped`;
    if (results.some((r) => r.interrupted)) return 'interrupted';
  }
  return undefined;
}

async function rollNode(
  rc: RollContext,
  plan: PreflightPlan,
  journal: RollJournal,
  host: string,
  batch: readonly string[],
): Promise<NodeRunResult> {
  const { session, ops } = nodeOf(rc, host);
  const start = rc.phases.get(host) ?? 'pending';
  const fleet = fleetOps(rc);
  const run = makeNodeRunner({
    ctx: rc.play,
    session,
    ops,
    others: fleet.filter((o) => !batch.includes(o.target.name)),
    fleet,
    spec: rc.spec,
    me: rc.me,
    takeover: plan.takeover.get(host)?.node ?? null,
    timeouts: rc.timeouts,
    coldRestartSlots: rc.coldRestartSlots,
    domains: rc.domains,
  });
  const result = await runNodeSteps(stepsFrom(start), start, {
    run: async (step) => {
      const outcome = await run(step);
      if (outcome.proof && (step === 'withdraw' || step === 'announce' || step === 'settle')) {
        rc.proofs.set(host, { ...rc.proofs.get(host), [step]: outcome.proof });
        await journal.update((j) => withProof(j, host, step, outcome.proof ?? {}));
      }
      return outcome;
    },
    emit: (e) => rc.emit({ type: 'rolling-step', host, ...e }),
    aborted: () => rc.play.options.signal?.aborted ?? false,
    record: async (phase) => {
      rc.phases.set(host, phase);
      await journal.update((j) => withPhase(j, host, phase, new Date()));
      const record = JSON.stringify({ runId: rc.me.runId, phase, at: new Date().toISOString() });
      await ops.exec(writePhaseScript(rollFiles(ops.target.paths).phase, record), 10_000).catch((e: unknown) =>
        rc.emit({
          type: 'warning',
          host,
          message: `phase ${phase} not recorded on the node: ${e instanceof Error ? e.message : String(e)}`,
        }),
      );
    },
  });
  if (result.failed) {
    const { step, error } = result.failed;
    // A failed task already reported itself (and stopped the session); anything else is reported here.
    if (step !== 'work' || !session.stopped) failNode(rc, host, step, error);
    const message = error instanceof Error ? error.message : String(error);
    await journal.update((j) => withError(j, host, step, message));
  }
  return result;
}
