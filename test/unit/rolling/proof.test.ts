// The recap's one-glance summary of a node's proofs.
import { describe, expect, it } from 'vitest';
import { summarizeProofs } from '../../../src/engine/rolling/proof.js';

describe('summarizeProofs', () => {
  it('routers verified both ways, the data plane, the loss counters', () => {
    const routers = { verdict: 'verified' as const, asked: ['lab-bird', 'lab-frr'], skipped: [], ms: 300 };
    expect(
      summarizeProofs({
        withdraw: { routers, dataPlane: { verdict: 'verified', newPerSecond: 400, lastFlowMs: null, quietMs: 100 } },
        announce: { routers, dataPlane: { verdict: 'verified', againMs: 20 } },
        settle: { loss: { strays: 41, resets: 0 } },
      }),
    ).toBe('routers ok (lab-bird, lab-frr), data plane ok, 0 reset(s), 41 stray(s)');
  });
  it('says what was not verified', () => {
    expect(
      summarizeProofs({
        withdraw: {
          routers: { verdict: 'no-routers', asked: [], skipped: [] },
          dataPlane: { verdict: 'unverifiable', newPerSecond: 0 },
        },
      }),
    ).toBe('routers: no-routers, data plane: unverifiable');
  });
});
