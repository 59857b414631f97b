// Options only rolling plays read (RunOptions.rolling): `ober-push resume` passes the journal it continues;
// the CLI injects the router adapters; tests shorten timeouts.
import type { Journal } from './journal.js';
import type { RouterLookup } from './routers.js';

export interface RollingRunOptions {
  /** Continue this journal's run (same run id, nodes start from their recorded phase). */
  resume?: Journal;
  /** Where `.ober-push/journal` lives (default: the current directory). */
  journalBaseDir?: string;
  /** How the operator names the inventory in suggested commands (default "<inventory>"). */
  inventory?: string;
  healthTimeoutMs?: number;
  verifyTimeoutMs?: number;
  /** How long to wait for SSH after a reboot or cold restart. */
  reconnectTimeoutMs?: number;
  /** The routers to ask about each node (adapters built outside the engine); none by default. */
  routers?: RouterLookup;
}

export const DEFAULTS = Object.freeze({
  healthTimeoutMs: 60_000,
  verifyTimeoutMs: 15_000,
  reconnectTimeoutMs: 300_000,
});
