// The handshake gate: never more handshakes in flight per sshd, or in total, than its bounds; a waiting handshake
// starts as soon as a slot frees; a failed handshake frees its slot too.
import { describe, expect, it } from 'vitest';
import { HandshakeGate } from '../../../src/transport/handshake-gate.js';

/** Handshakes the test finishes by hand, recording how many ran at once per server and in total. */
function harness() {
  const running = new Map<string, number>();
  const peak = { total: 0, perServer: new Map<string, number>() };
  const pending: Array<{ server: string; finish: (ok: boolean) => void }> = [];
  let total = 0;
  const handshake = (server: string) => () =>
    new Promise<string>((resolve, reject) => {
      total++;
      running.set(server, (running.get(server) ?? 0) + 1);
      peak.total = Math.max(peak.total, total);
      peak.perServer.set(server, Math.max(peak.perServer.get(server) ?? 0, running.get(server) ?? 0));
      pending.push({
        server,
        finish: (ok) => {
          total--;
          running.set(server, (running.get(server) ?? 1) - 1);
          if (ok) resolve(server);
          else reject(new Error(`refused by ${server}`));
        },
      });
    });
  /** Let the gate start whatever it can, then finish every handshake running now. */
  const finishRunning = async (ok = true): Promise<number> => {
    await new Promise((r) => setImmediate(r));
    const now = pending.splice(0);
    now.forEach((p) => p.finish(ok));
    await new Promise((r) => setImmediate(r));
    return now.length;
  };
  return { handshake, peak, finishRunning };
}

describe('HandshakeGate', () => {
  it('holds each sshd to its bound and the run to the total', async () => {
    const gate = new HandshakeGate(3, 5);
    const h = harness();
    const servers = ['a:22', 'a:22', 'a:22', 'a:22', 'a:22', 'a:22', 'b:22', 'b:22', 'c:22', 'c:22', 'c:22', 'c:22'];
    const all = Promise.all(servers.map((s) => gate.run(s, h.handshake(s))));
    const waves: number[] = [];
    for (let i = 0; i < servers.length && waves.reduce((x, y) => x + y, 0) < servers.length; i++)
      waves.push(await h.finishRunning());
    expect(await all).toEqual(servers);
    expect(h.peak.total).toBe(5);
    expect(Math.max(...h.peak.perServer.values())).toBe(3);
    expect(waves[0]).toBe(5); // the first wave fills the total, no server above its bound
  });

  it('frees the slot of a failed handshake', async () => {
    const gate = new HandshakeGate(1, 1);
    const h = harness();
    const first = gate.run('a:22', h.handshake('a:22')).catch((e: unknown) => e);
    const second = gate.run('a:22', h.handshake('a:22'));
    expect(await h.finishRunning(false)).toBe(1);
    expect(String(await first)).toContain('refused by a:22');
    expect(await h.finishRunning(true)).toBe(1);
    await expect(second).resolves.toBe('a:22');
  });
});
