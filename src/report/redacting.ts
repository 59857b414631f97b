// Every reporter sees events through this: each string in an event (summaries, messages, command output,
// both sides of a diff) has the run's secret values replaced before anything renders it.
import type { RunEvent } from '../engine/events.js';
import type { SecretSet } from '../secrets/secret-set.js';
import type { Reporter } from './types.js';

export function redactingReporter(inner: Reporter, secrets: SecretSet): Reporter {
  if (secrets.size === 0) return inner;
  return {
    onEvent(event: RunEvent): void {
      inner.onEvent(secrets.redactDeep(event));
    },
    close: () => inner.close(),
  };
}
