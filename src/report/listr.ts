// The TTY view: a listr2 tree with one row per host showing its current task and running counts.
// Changes and diffs are printed after the tree finishes, grouped by host, then the recap.
import type { Writable } from 'node:stream';
import { Listr } from 'listr2';
import type { RunEvent, TaskReport } from '../engine/events.js';
import { formatChange, formatRecap } from './recap.js';
import { formatRollingRecap, formatSchedule } from './rolling.js';
import { makeChalk, statusColor } from './style.js';
import type { Reporter, ReporterOptions } from './types.js';

interface HostRow {
  counts: Record<string, number>;
  settle: (failure: string | null) => void;
  setTitle: (title: string) => void;
  current: string;
}

export function createListrReporter(out: Writable, options: ReporterOptions): Reporter {
  const c = makeChalk(options.color);
  const rows = new Map<string, HostRow>();
  // A host's outcome may be known before listr has started its row: keep it until the row exists.
  const outcomes = new Map<string, string | null>();
  const notable: TaskReport[] = [];
  let running: Promise<unknown> | null = null;
  let recapLines: string[] = [];
  const rollingLines: string[] = [];
  let hostNames: string[] = [];

  const title = (host: string, row: HostRow): string => {
    const counts = Object.entries(row.counts)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => statusColor(c, status as TaskReport['status'])(`${status}=${n}`))
      .join(' ');
    return `${host.padEnd(12)} ${counts}${row.current ? c.dim(`  ▸ ${row.current}`) : ''}`;
  };

  const start = (hosts: string[]): void => {
    hostNames = hosts;
    const list = new Listr(
      hosts.map((host) => ({
        title: host,
        task: (_ctx, task) =>
          new Promise<void>((resolve, reject) => {
            const row: HostRow = {
              counts: {},
              current: '',
              setTitle: (text) => {
                task.title = text;
              },
              settle: (failure) => (failure ? reject(new Error(failure)) : resolve()),
            };
            rows.set(host, row);
            if (outcomes.has(host)) row.settle(outcomes.get(host) ?? null);
          }),
      })),
      { concurrent: true, exitOnError: false, renderer: 'default', rendererOptions: { collapseErrors: false } },
    );
    running = list.run().catch(() => undefined);
  };

  return {
    onEvent(event: RunEvent): void {
      if (event.type === 'run-start') start(event.hosts);
      else if (event.type === 'task-start') {
        const row = rows.get(event.host);
        if (row) {
          row.current = event.task;
          row.setTitle(title(event.host, row));
        }
      } else if (event.type === 'task-end') {
        const row = rows.get(event.host);
        if (row) {
          row.counts[event.status] = (row.counts[event.status] ?? 0) + 1;
          row.current = '';
          row.setTitle(title(event.host, row));
        }
        if (event.status !== 'ok' && event.status !== 'skipped') notable.push(event);
      } else if (event.type === 'rolling-step') {
        const row = rows.get(event.host);
        if (row) {
          row.current = event.status === 'start' ? `rolling: ${event.step}` : '';
          row.setTitle(title(event.host, row));
        }
      } else if (event.type === 'rolling-schedule' || event.type === 'rolling-recap') {
        rollingLines.push(
          ...(event.type === 'rolling-schedule' ? formatSchedule(c, event) : formatRollingRecap(c, event)),
        );
      } else if (event.type === 'recap') {
        for (const h of event.hosts) {
          const outcome = h.failure ? `${h.failure.task}: ${h.failure.message}` : null;
          outcomes.set(h.host, outcome);
          rows.get(h.host)?.settle(outcome);
        }
        recapLines = formatRecap(c, event.hosts, event.durationMs, event.check);
      }
    },
    async close(): Promise<void> {
      for (const host of hostNames) {
        if (outcomes.has(host)) continue;
        outcomes.set(host, null);
        rows.get(host)?.settle(null);
      }
      if (running) await running;
      for (const report of notable) {
        out.write(
          `${report.host} | ${statusColor(c, report.status)(report.status)} | ${report.task}${report.message ? ` | ${report.message}` : ''}\n`,
        );
        for (const change of report.changes) for (const line of formatChange(c, change)) out.write(`${line}\n`);
      }
      for (const line of rollingLines) out.write(`${line}\n`);
      for (const line of recapLines) out.write(`${line}\n`);
    },
  };
}
