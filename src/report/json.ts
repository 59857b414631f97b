// One JSON object per line per event, for machines. Secrets are Secret objects and serialise as "[redacted]".
import type { Writable } from 'node:stream';
import type { RunEvent } from '../engine/events.js';
import type { Reporter } from './types.js';

export function createJsonReporter(out: Writable): Reporter {
  return {
    onEvent(event: RunEvent): void {
      out.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
    },
    async close(): Promise<void> {},
  };
}
