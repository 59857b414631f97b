// What verified a node's withdraw and announce, and what its roll cost, as data: carried by the step events
// (--json), kept per node for the recap, beside the one-line detail the plain reporter prints.

/** The routers of `routers:`: every one asked agreed (verified), none is configured, or none could be asked. */
export interface RouterProof {
  verdict: 'verified' | 'no-routers' | 'none-asked';
  asked: string[];
  /** Optional routers that could not be asked. */
  skipped: string[];
  /** From the change (withdraw file) to the routers' agreement. */
  ms?: number;
}

/** The node's own traffic (nftables counter new_flows). */
export interface DataPlaneProof {
  verdict: 'verified' | 'unverifiable' | 'no-counter' | 'not-measured';
  /** New connections per second just before the withdraw. */
  newPerSecond?: number;
  /** Withdraw: the last new flow seen after it (an upper bound, ms), null when none came. */
  lastFlowMs?: number | null;
  /** Withdraw: the quiet window it waited out. */
  quietMs?: number;
  /** Announce: new flows again within this many ms. */
  againMs?: number;
}

/** What the fleet counted while the node was out (relay counters). */
export interface LossProof {
  strays: number;
  resets: number;
}

export interface StepProof {
  routers?: RouterProof;
  dataPlane?: DataPlaneProof;
  loss?: LossProof;
}

/** A node's proofs by step, for the recap. */
export interface NodeProofs {
  withdraw?: StepProof;
  announce?: StepProof;
  settle?: StepProof;
}

/** "routers ok (r1, r2), data plane ok, 0 reset(s), 41 stray(s)": the recap's summary of a node's proofs. */
export function summarizeProofs(p: NodeProofs): string {
  const parts: string[] = [];
  const out = p.withdraw?.routers;
  const back = p.announce?.routers;
  if (out) {
    const ok = out.verdict === 'verified' && (back === undefined || back.verdict === 'verified');
    parts.push(ok ? `routers ok (${out.asked.join(', ')})` : `routers: ${out.verdict}`);
  }
  const d = p.withdraw?.dataPlane;
  if (d) parts.push(d.verdict === 'verified' ? 'data plane ok' : `data plane: ${d.verdict}`);
  const loss = p.settle?.loss;
  if (loss) parts.push(`${loss.resets} reset(s), ${loss.strays} stray(s)`);
  return parts.join(', ');
}
