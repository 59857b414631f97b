// The bounded load generator gets 200s from the backend through the router (client ns -> backend ns).
import { describe, expect, it } from 'vitest';
import { labSkipReason, labState, runLoad } from './harness.js';

describe.skipIf(labSkipReason())('lab load generator', () => {
  it('new connection per request: every request answered with 200, per-second buckets add up', async () => {
    const { backend } = labState();
    const r = await runLoad({ url: `http://${backend.address}:${backend.httpPort}/`, concurrency: 10, requests: 500 });
    expect(r.failed).toBe(0);
    expect(r.ok).toBe(500);
    expect(r.perSecond.reduce((n, b) => n + b.ok, 0)).toBe(500);
  });

  it('keep-alive for a bounded duration stops by itself', async () => {
    const { backend } = labState();
    const r = await runLoad({
      url: `http://${backend.address}:${backend.httpPort}/`,
      concurrency: 5,
      durationS: 2,
      keepalive: true,
    });
    expect(r.failed).toBe(0);
    expect(r.ok).toBeGreaterThan(0);
    expect(r.elapsedMs).toBeLessThan(5_000);
  });

  it('counts failures by kind: timeouts from /slow, refused connections', async () => {
    const { backend, hosts } = labState();
    const slow = await runLoad({
      url: `http://${backend.address}:${backend.httpPort}/slow?ms=5000`,
      concurrency: 2,
      requests: 2,
      timeoutMs: 300,
    });
    expect(slow.errors).toEqual({ timeout: 2 });
    // Nothing listens on port 80 of a fresh host yet.
    const refused = await runLoad({ url: `http://${hosts[0]!.address}:9/`, concurrency: 1, requests: 3 });
    expect(refused.errors).toEqual({ ECONNREFUSED: 3 });
  });
});
