// Lines for rolling plays: the schedule (--check) and the per-node phase recap. Shared by the plain and TTY reporters.
import type { ChalkInstance } from 'chalk';
import type { RollingStepEvent, RunEvent } from '../engine/events.js';

export function rollingColor(c: ChalkInstance, status: RollingStepEvent['status']): (s: string) => string {
  return status === 'failed' ? c.red : status === 'ok' ? c.green : c.dim;
}

export function formatSchedule(c: ChalkInstance, e: Extract<RunEvent, { type: 'rolling-schedule' }>): string[] {
  const lines = [c.bold(`ROLLING SCHEDULE (run ${e.runId}, check mode: nothing touched)`)];
  e.batches.forEach((b, i) => {
    const hosts = b.hosts.map((h, n) => (b.domains?.[n] !== undefined ? `${h} (${b.domains[n]})` : h));
    lines.push(`  batch ${i + 1}: ${hosts.join(', ')}`);
    lines.push(c.dim(`    steps: ${b.steps.join(' → ')}`));
    if (b.coldRestarts.length)
      lines.push(c.magenta(`    Proxmox cold restart while drained: ${b.coldRestarts.join(', ')}`));
    for (const q of b.coldRestartQueues ?? [])
      lines.push(c.magenta(`    one cold restart at a time on ${q.pveNode}: ${q.hosts.join(' → ')}`));
  });
  if (e.counted?.length) lines.push(`  ${countedLine(e.counted)}`);
  return lines;
}

export function formatRollingRecap(c: ChalkInstance, e: Extract<RunEvent, { type: 'rolling-recap' }>): string[] {
  const width = Math.max(4, ...e.nodes.map((n) => n.host.length));
  const lines = [c.bold(`ROLLING RECAP run ${e.runId}${e.stopped ? c.red(` (stopped: ${e.stopped})`) : ''}`)];
  for (const n of e.nodes) {
    const state = n.serving ? c.green('serving') : c.red('withdrawn');
    lines.push(`${n.host.padEnd(width)}  ${n.phase.padEnd(10)} ${state}${n.note ? c.dim(`  ${n.note}`) : ''}`);
  }
  if (e.counted?.length) lines.push(countedLine(e.counted));
  lines.push(c.dim(`journal: ${e.journal}`));
  return lines;
}

/** The fleet nodes a limited roll counts on (capacity floor, relay, fleet lock) without rolling them. */
function countedLine(counted: readonly string[]): string {
  return `fleet: ${counted.join(', ')} (not rolled: --limit)`;
}
