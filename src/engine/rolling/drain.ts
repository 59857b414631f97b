// Drain: once withdrawn, wait on the node until HAProxy's requests in flight (backend sessions) fall to the threshold, capped by
// drain_timeout (a capped drain is not a failure: the residual sessions are reported). The loop runs on the node,
// so the wait costs one round trip.
import type { NodeOps, StepOutcome } from './node-ops.js';
import { mustExec, StepFailed } from './node-ops.js';
import { drainWaitScript } from './remote-files.js';

export interface DrainResult {
  sessions: number | null;
  elapsedMs: number;
  timedOut: boolean;
}

export function parseDrainOutput(stdout: string): DrainResult | null {
  const m = /sessions=(\d*) elapsed_ms=(\d+) timed_out=([01])/.exec(stdout);
  if (!m) return null;
  return { sessions: m[1] === '' ? null : Number(m[1]), elapsedMs: Number(m[2]), timedOut: m[3] === '1' };
}

export async function drain(ops: NodeOps, timeoutMs: number, maxSessions = 0): Promise<StepOutcome> {
  const t = ops.target;
  if (t.mode === 'none') return { status: 'skipped', detail: 'drain: none' };
  const r = await mustExec(ops, 'drain', 'waiting for sessions to drain', drainWaitScript(t.paths.statsSocket, maxSessions, timeoutMs, 50), timeoutMs + 15_000);
  const out = parseDrainOutput(r.stdout);
  if (!out) throw new StepFailed('drain', t.name, 'unexpected output from the drain loop', r.stdout.trim());
  const detail = out.timedOut ? `capped at drain_timeout ${timeoutMs} ms with ${out.sessions ?? '?'} request(s) in flight` : `${out.sessions} request(s) in flight after ${out.elapsedMs} ms`;
  return { status: 'ok', detail };
}
