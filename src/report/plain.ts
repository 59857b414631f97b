// Plain lines for CI logs and pipes: one line per task result that matters, diffs, then the recap.
import type { Writable } from 'node:stream';
import type { RunEvent } from '../engine/events.js';
import { formatChange, formatRecap } from './recap.js';
import { formatRollingRecap, formatSchedule, rollingColor } from './rolling.js';
import { makeChalk, statusColor } from './style.js';
import type { Reporter, ReporterOptions } from './types.js';

export function createPlainReporter(out: Writable, options: ReporterOptions): Reporter {
  const c = makeChalk(options.color);
  const write = (line: string) => out.write(`${line}\n`);
  return {
    onEvent(event: RunEvent): void {
      switch (event.type) {
        case 'run-start':
          write(c.bold(`${event.check ? 'CHECK' : 'RUN'} ${event.playbook} on ${event.hosts.length} host(s)`));
          break;
        case 'play-start':
          write(
            c.bold(
              `PLAY ${event.play} [${event.hosts.length} host(s)${event.batches.length > 1 ? `, ${event.batches.length} batches` : ''}]`,
            ),
          );
          break;
        case 'task-end': {
          const quiet = (event.status === 'ok' && event.changes.length === 0) || event.status === 'skipped';
          if (quiet && !options.verbose) break;
          const label = `${event.handler ? 'handler ' : ''}${event.task}`;
          const tail = event.message ? ` | ${event.message}` : '';
          write(
            `${event.host} | ${statusColor(c, event.status)(event.status)} | ${label}${tail} ${c.dim(`(${event.durationMs} ms)`)}`,
          );
          for (const change of event.changes) for (const line of formatChange(c, change)) write(line);
          if (event.detail && event.status === 'failed')
            for (const line of event.detail.split('\n')) write(c.dim(`    | ${line}`));
          break;
        }
        case 'play-end':
          if (event.aborted) write(c.red(`PLAY ${event.play} stopped: ${event.aborted}`));
          break;
        case 'warning':
          write(c.yellow(`warning: ${event.host ? `${event.host}: ` : ''}${event.message}`));
          break;
        case 'rolling-step':
          if (event.status === 'start' && !options.verbose) break;
          write(
            `${event.host} | ${rollingColor(c, event.status)(`${event.step} ${event.status}`)}${event.detail ? ` | ${event.detail}` : ''} ${c.dim(`(${event.ms} ms)`)}`,
          );
          break;
        case 'rolling-schedule':
          for (const line of formatSchedule(c, event)) write(line);
          break;
        case 'rolling-recap':
          for (const line of formatRollingRecap(c, event)) write(line);
          break;
        case 'recap':
          for (const line of formatRecap(c, event.hosts, event.durationMs, event.check)) write(line);
          break;
        default:
          break;
      }
    },
    async close(): Promise<void> {},
  };
}
