import type { RunEvent } from '../engine/events.js';

/** Renders run events. Reporters are the only place besides the CLI that writes to the terminal. */
export interface Reporter {
  onEvent(event: RunEvent): void;
  close(): Promise<void>;
}

export interface ReporterOptions {
  color: boolean;
  diff: boolean;
  /** Also print ok/skipped task lines (plain reporter). */
  verbose: boolean;
}
