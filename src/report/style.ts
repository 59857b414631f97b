// Colours for statuses; a no-colour instance when NO_COLOR is set or the output is not a terminal.
import { Chalk, type ChalkInstance } from 'chalk';
import type { TaskStatus } from '../engine/events.js';

export function makeChalk(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

export function statusColor(c: ChalkInstance, status: TaskStatus): (text: string) => string {
  switch (status) {
    case 'ok':
      return c.green;
    case 'changed':
      return c.yellow;
    case 'unknown':
      return c.magenta;
    case 'skipped':
      return c.cyan;
    case 'failed':
    case 'unreachable':
      return c.red;
  }
}
