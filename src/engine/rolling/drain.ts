// Drain: once withdrawn, wait on the node until HAProxy's requests in flight (backend sessions) fall to the threshold, capped by
// drain_timeout (a capped drain is not a failure: the residual sessions are reported). The loop runs on the node,
// so the wait costs one round trip.
import type { NodeOps, StepOutcome } from './node-ops.js';
import { mustExec, StepFailed } from './node-ops.js';
import { parseWaitOutput, waitSessionsScript } from '../../modules/haproxy/scripts.js';

export async function drain(ops: NodeOps, timeoutMs: number, maxSessions = 0): Promise<StepOutcome> {
  const t = ops.target;
  if (t.mode === 'none') return { status: 'skipped', detail: 'drain: none' };
  const script = waitSessionsScript({
    socket: t.paths.statsSocket,
    maxSessions,
    count: 'requests-in-flight',
    timeoutS: timeoutMs / 1000,
    intervalMs: 50,
    failOnTimeout: false,
  });
  const r = await mustExec(ops, 'drain', 'waiting for sessions to drain', script, timeoutMs + 15_000);
  const out = parseWaitOutput(r.stdout);
  if (!out) throw new StepFailed('drain', t.name, 'unexpected output from the drain loop', r.stdout.trim());
  const detail = out.timed_out
    ? `capped at drain_timeout ${timeoutMs} ms with ${out.sessions ?? '?'} request(s) in flight`
    : `${out.sessions} request(s) in flight after ${out.elapsed_ms} ms`;
  return { status: 'ok', detail };
}
