// The roll's SVG timeline from step events: each start paired with its end, one row per node, the next hops in
// rotation stepping down at each verified withdraw and up at each announce, the loss counters per node.
import { describe, expect, it } from 'vitest';
import type { RollingStep, RollingStepEvent } from '../../../src/engine/events.js';
import { renderTimeline, timelineSteps } from '../../../src/report/timeline.js';

type Status = RollingStepEvent['status'];
const ev = (at: number, host: string, step: RollingStep, status: Status, extra: Partial<RollingStepEvent> = {}) => ({
  at,
  event: { type: 'rolling-step' as const, host, step, status, ms: 0, ...extra },
});

function roll(hosts: string[]) {
  return hosts.flatMap((h, i) => {
    const t = i * 1000;
    return [
      ev(t, h, 'withdraw', 'start'),
      ev(t + 100, h, 'withdraw', 'ok', { detail: 'secret-looking detail', ms: 100 }),
      ev(t + 100, h, 'work', 'start'),
      ev(t + 500, h, 'work', 'ok'),
      ev(t + 500, h, 'announce', 'start'),
      ev(t + 600, h, 'announce', 'ok'),
      ev(t + 600, h, 'settle', 'start'),
      ev(t + 900, h, 'settle', 'ok', { proof: { loss: { strays: 41, resets: i } } }),
    ];
  });
}

describe('timeline', () => {
  it('pairs each start with its end and keeps the loss counters of settle', () => {
    const steps = timelineSteps(roll(['lb01']));
    expect(steps.map((s) => [s.step, s.startMs, s.endMs])).toEqual([
      ['withdraw', 0, 100],
      ['work', 100, 500],
      ['announce', 500, 600],
      ['settle', 600, 900],
    ]);
    expect(steps[3]).toMatchObject({ resets: 0, strays: 41 });
  });

  it('draws a row per node, the next hops 3 → 2 → 3 per node, the counters; no detail text', () => {
    const svg = renderTimeline(timelineSteps(roll(['lb01', 'lb02', 'lb03'])));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    for (const h of ['lb01', 'lb02', 'lb03']) expect(svg).toContain(`>${h}</text>`);
    const path = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(path.match(/V/g)).toHaveLength(6); // a withdraw and an announce per node
    expect(svg).toContain('2 reset(s), 41 stray(s)');
    expect(svg.match(/<title>out of rotation<\/title>/g)).toHaveLength(3);
    expect(svg).not.toContain('secret-looking');
    expect(svg).toContain('2.9 s in all');
  });
});
