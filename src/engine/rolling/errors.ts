// Why `ober-push resume` refuses before it contacts anything. Data only: src/cli formats them and picks the exit code.

/** The run to resume is still alive: its process on this workstation (journal pid) still runs. */
export class RunStillRunning extends Error {
  readonly runId: string;
  readonly pid: number;
  readonly workstation: string;
  readonly startedAt: string;
  constructor(args: { runId: string; pid: number; workstation: string; startedAt: string }) {
    super(`run ${args.runId} is still running (pid ${args.pid} on ${args.workstation}, started ${args.startedAt})`);
    this.name = 'RunStillRunning';
    this.runId = args.runId;
    this.pid = args.pid;
    this.workstation = args.workstation;
    this.startedAt = args.startedAt;
  }
}

/** Resume was not given the same -e variables (by name) as the run it continues; the journal keeps names only. */
export class ExtraVarsMismatch extends Error {
  readonly runId: string;
  /** Names the run had and the operator did not give again. */
  readonly missing: string[];
  /** Names given now that the run did not have. */
  readonly unexpected: string[];
  /** Every name the run had. */
  readonly expected: string[];
  constructor(args: { runId: string; missing: string[]; unexpected: string[]; expected: string[] }) {
    super(
      `run ${args.runId}: -e variables differ (missing: ${args.missing.join(', ') || 'none'}; not in the run: ${args.unexpected.join(', ') || 'none'})`,
    );
    this.name = 'ExtraVarsMismatch';
    this.runId = args.runId;
    this.missing = args.missing;
    this.unexpected = args.unexpected;
    this.expected = args.expected;
  }
}

/** A plain (non-rolling) play reached a node that a live roll holds (its node lock): it does not run there. */
export class RollHoldsNode extends Error {
  readonly host: string;
  /** Who holds it (describeLock: user@workstation, pid, command, run, since). */
  readonly holder: string;
  readonly runId: string;
  /** node: the roll is at this node; fleet: the roll is on its way through the fleet. */
  readonly lock: 'node' | 'fleet';
  constructor(args: { host: string; holder: string; runId: string; lock: 'node' | 'fleet' }) {
    super(
      `a roll holds this node (${args.lock} lock of ${args.holder}): deploy does not run on a node mid-roll; wait for run ${args.runId} to finish`,
    );
    this.name = 'RollHoldsNode';
    this.lock = args.lock;
    this.host = args.host;
    this.holder = args.holder;
    this.runId = args.runId;
  }
}
