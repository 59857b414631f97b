// `--timeline FILE`: an SVG picture of a roll. One row per node with its steps over time (the out-of-rotation
// span shaded), a top row with the next hops in rotation (from the verified withdraws and announces), and each
// node's loss counters. Only step names, hosts, times and counters go in: no detail text, so no secret.
import { rename, writeFile } from 'node:fs/promises';
import type { RollingStep, RollingStepEvent, RunEvent } from '../engine/events.js';
import type { Reporter } from './types.js';

export interface TimelineStep {
  host: string;
  step: RollingStep;
  status: 'ok' | 'failed' | 'skipped';
  startMs: number;
  endMs: number;
  resets?: number;
  strays?: number;
}

const COLORS: Partial<Record<RollingStep, string>> = {
  withdraw: '#e07b39',
  drain: '#d9a441',
  work: '#4a78c2',
  'vm-cold-restart': '#7b4ac2',
  health: '#3a9e6f',
  announce: '#2f8f9d',
  settle: '#9aa5b1',
};
const LEFT = 70;
const WIDTH = 900;
const ROW = 26;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

/** The steps in event order: each `start` paired with the event that ended it. */
export function timelineSteps(events: ReadonlyArray<{ at: number; event: RollingStepEvent }>): TimelineStep[] {
  const open = new Map<string, number>();
  const steps: TimelineStep[] = [];
  for (const { at, event: e } of events) {
    const key = `${e.host} ${e.step}`;
    if (e.status === 'start') open.set(key, at);
    else {
      const loss = e.proof?.loss;
      steps.push({
        host: e.host,
        step: e.step,
        status: e.status,
        startMs: open.get(key) ?? at - e.ms,
        endMs: at,
        ...(loss ? { resets: loss.resets, strays: loss.strays } : {}),
      });
    }
  }
  return steps;
}

/** The SVG of a roll's steps. */
export function renderTimeline(steps: readonly TimelineStep[]): string {
  const hosts = [...new Set(steps.map((s) => s.host))];
  const t0 = Math.min(...steps.map((s) => s.startMs));
  const span = Math.max(1, Math.max(...steps.map((s) => s.endMs)) - t0);
  const x = (t: number) => LEFT + ((t - t0) / span) * WIDTH;
  const height = (hosts.length + 3) * ROW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${String(LEFT + WIDTH + 190)}" height="${String(height)}" ` +
      'font-family="sans-serif" font-size="11">',
    `<text x="4" y="16">next hops in rotation (verified), ${String(Math.round(span / 100) / 10)} s in all</text>`,
    hopsPath(steps, hosts.length, x),
  ];
  hosts.forEach((host, i) => out.push(...hostRow(host, (i + 2) * ROW, steps, x)));
  out.push('</svg>\n');
  return out.join('\n');
}

/** The count of next hops in rotation as a step line: each verified withdraw takes one, each announce adds it. */
function hopsPath(steps: readonly TimelineStep[], nodes: number, x: (t: number) => number): string {
  const changes = steps
    .filter((s) => s.status === 'ok' && (s.step === 'withdraw' || s.step === 'announce'))
    .map((s) => ({ at: s.endMs, delta: s.step === 'withdraw' ? -1 : 1 }))
    .sort((a, b) => a.at - b.at);
  const y = (n: number) => ROW * 1.7 - (n / Math.max(1, nodes)) * ROW * 0.9;
  let count = nodes;
  let d = `M${x(steps[0]?.startMs ?? 0).toFixed(1)},${y(count).toFixed(1)}`;
  for (const c of changes) {
    d += ` H${x(c.at).toFixed(1)}`;
    count += c.delta;
    d += ` V${y(count).toFixed(1)}`;
  }
  d += ` H${String(LEFT + WIDTH)}`;
  return `<path d="${d}" fill="none" stroke="#333" stroke-width="1.5"/>`;
}

function hostRow(host: string, top: number, steps: readonly TimelineStep[], x: (t: number) => number): string[] {
  const mine = steps.filter((s) => s.host === host);
  const out = mine.find((s) => s.step === 'withdraw');
  const back = mine.find((s) => s.step === 'announce');
  const parts = [`<text x="4" y="${String(top + 16)}">${esc(host)}</text>`];
  if (out)
    parts.push(
      `<rect x="${x(out.startMs).toFixed(1)}" y="${String(top)}" width="${(x(back?.endMs ?? out.endMs) - x(out.startMs)).toFixed(1)}" ` +
        `height="${String(ROW - 4)}" fill="#f3e3d3"><title>out of rotation</title></rect>`,
    );
  for (const s of mine) {
    const color = s.status === 'failed' ? '#c0392b' : (COLORS[s.step] ?? '#c8ced6');
    const w = Math.max(1, x(s.endMs) - x(s.startMs));
    parts.push(
      `<rect x="${x(s.startMs).toFixed(1)}" y="${String(top + 4)}" width="${w.toFixed(1)}" height="${String(ROW - 12)}" ` +
        `fill="${color}"><title>${esc(`${s.step} ${s.status} ${String(s.endMs - s.startMs)} ms`)}</title></rect>`,
    );
  }
  const settle = mine.find((s) => s.resets !== undefined);
  if (settle)
    parts.push(
      `<text x="${String(LEFT + WIDTH + 8)}" y="${String(top + 16)}">` +
        `${String(settle.resets)} reset(s), ${String(settle.strays)} stray(s)</text>`,
    );
  return parts;
}

/** A reporter that keeps the roll's step events and writes the SVG on close (atomically); `say` gets the path. */
export function createTimelineReporter(file: string, say: (line: string) => void): Reporter {
  const events: Array<{ at: number; event: RollingStepEvent }> = [];
  return {
    onEvent(event: RunEvent): void {
      if (event.type === 'rolling-step') events.push({ at: Date.now(), event });
    },
    async close(): Promise<void> {
      const steps = timelineSteps(events);
      if (steps.length === 0) {
        say(`timeline: no roll ran, ${file} not written`);
        return;
      }
      await writeFile(`${file}.tmp`, renderTimeline(steps));
      await rename(`${file}.tmp`, file);
      say(`timeline: ${file}`);
    },
  };
}
