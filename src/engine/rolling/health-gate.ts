// Health gate: before a node carries traffic again, HAProxy must run undrained with /health = 200 and a server up
// in every backend, and ExaBGP must hold an established BGP session (or keepalived must run), within a timeout.
// The drain switch is turned off here (the node is still withdrawn, so no client sees it); a restarted HAProxy
// starts undrained anyway.
import { healthProblem } from './node-probe.js';
import type { NodeOps, StepOutcome } from './node-ops.js';
import { StepFailed } from './node-ops.js';
import { undrainIfRunningScript } from './remote-files.js';
import { poll } from './wait.js';

export async function healthGate(ops: NodeOps, timeoutMs: number, signal?: AbortSignal): Promise<StepOutcome> {
  const t = ops.target;
  const undrain = () => ops.exec(undrainIfRunningScript(t.paths.statsSocket), 10_000);
  await undrain();
  const r = await poll(
    async () => {
      const p = await ops.probe();
      if (p.drained === true) await undrain();
      return p;
    },
    (p) => healthProblem(p, t.mode) === null,
    { timeoutMs, intervalMs: 200, signal },
  );
  if (!r.ok) {
    const problem = r.last ? healthProblem(r.last, t.mode) : (r.error ?? 'no answer');
    throw new StepFailed('health', t.name, `health gate failed after ${timeoutMs} ms: ${problem}`, r.error);
  }
  const p = r.value;
  const bgp =
    t.mode === 'bgp'
      ? `, BGP established, announcer ${p.announcer?.state}`
      : t.mode === 'vrrp'
        ? ', keepalived active'
        : '';
  return {
    status: 'ok',
    detail: `/health 200, backends ${p.backends.map((b) => `${b.name} ${b.up}/${b.total}`).join(' ') || 'none'}${bgp} after ${r.ms} ms`,
  };
}
