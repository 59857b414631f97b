// The TTY view: a listr2 tree with one row per host showing its current task and running counts.
// Changes and diffs are printed after the tree finishes, grouped by host, then the recap.
import type { Writable } from 'node:stream';
import { Listr } from 'listr2';
import type { RunEvent, TaskReport } from '../engine/events.js';
import { formatChange, formatRecap } from './recap.js';
import { formatRollingRecap, formatSchedule } from './rolling.js';
import { makeChalk, statusColor } from './style.js';
import type { ChalkInstance } from 'chalk';
import type { Reporter, ReporterOptions } from './types.js';

interface HostRow {
  counts: Record<string, number>;
  settle: (failure: string | null) => void;
  setTitle: (title: string) => void;
  current: string;
}

export function createListrReporter(out: Writable, options: ReporterOptions): Reporter {
  return new ListrView(out, makeChalk(options.color));
}

class ListrView implements Reporter {
  private readonly rows = new Map<string, HostRow>();
  // A host's outcome may be known before listr has started its row: keep it until the row exists.
  private readonly outcomes = new Map<string, string | null>();
  private readonly notable: TaskReport[] = [];
  private readonly rollingLines: string[] = [];
  private running: Promise<unknown> | null = null;
  private recapLines: string[] = [];
  private hostNames: string[] = [];

  constructor(
    private readonly out: Writable,
    private readonly c: ChalkInstance,
  ) {}

  onEvent(event: RunEvent): void {
    if (event.type === 'run-start') this.start(event.hosts);
    else if (event.type === 'task-start') this.show(event.host, event.task);
    else if (event.type === 'task-end') this.taskEnded(event);
    else if (event.type === 'rolling-step')
      this.show(event.host, event.status === 'start' ? `rolling: ${event.step}` : '');
    else if (event.type === 'rolling-schedule') this.rollingLines.push(...formatSchedule(this.c, event));
    else if (event.type === 'rolling-recap') this.rollingLines.push(...formatRollingRecap(this.c, event));
    else if (event.type === 'recap') {
      for (const h of event.hosts) this.settle(h.host, h.failure ? `${h.failure.task}: ${h.failure.message}` : null);
      this.recapLines = formatRecap(this.c, event.hosts, event.durationMs, event.check);
    }
  }

  async close(): Promise<void> {
    for (const host of this.hostNames) if (!this.outcomes.has(host)) this.settle(host, null);
    if (this.running) await this.running;
    for (const report of this.notable) {
      const message = report.message ? ` | ${report.message}` : '';
      this.out.write(
        `${report.host} | ${statusColor(this.c, report.status)(report.status)} | ${report.task}${message}\n`,
      );
      for (const change of report.changes) for (const line of formatChange(this.c, change)) this.out.write(`${line}\n`);
    }
    for (const line of [...this.rollingLines, ...this.recapLines]) this.out.write(`${line}\n`);
  }

  private start(hosts: string[]): void {
    this.hostNames = hosts;
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
            this.rows.set(host, row);
            if (this.outcomes.has(host)) row.settle(this.outcomes.get(host) ?? null);
          }),
      })),
      { concurrent: true, exitOnError: false, renderer: 'default', rendererOptions: { collapseErrors: false } },
    );
    this.running = list.run().catch(() => undefined);
  }

  private taskEnded(event: TaskReport): void {
    const row = this.rows.get(event.host);
    if (row) row.counts[event.status] = (row.counts[event.status] ?? 0) + 1;
    this.show(event.host, '');
    if (event.status !== 'ok' && event.status !== 'skipped') this.notable.push(event);
  }

  /** The host's row: its counts and what it runs now. */
  private show(host: string, current: string): void {
    const row = this.rows.get(host);
    if (!row) return;
    row.current = current;
    const counts = Object.entries(row.counts)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => statusColor(this.c, status as TaskReport['status'])(`${status}=${n}`))
      .join(' ');
    row.setTitle(`${host.padEnd(12)} ${counts}${row.current ? this.c.dim(`  ▸ ${row.current}`) : ''}`);
  }

  private settle(host: string, outcome: string | null): void {
    this.outcomes.set(host, outcome);
    this.rows.get(host)?.settle(outcome);
  }
}
