// At most one Proxmox cold restart per PVE node at a time, whatever the batches: two VMs of one PVE host that
// restart together load that host twice and, should it fail then, lose both. One set of slots per roll, handed to
// every node's runner; a node takes its PVE node's slot in arrival order (FIFO) and gives it back when its cold
// restart step ends, however it ends.
import type { StepOutcome } from './node-ops.js';

export interface SlotTurn {
  /** Who held or waited for the slot before this node, in order (empty: it was free). */
  after: string[];
  waitedMs: number;
  release(): void;
}

interface SlotQueue {
  holders: string[];
  tail: Promise<void>;
}

export class ColdRestartSlots {
  readonly #queues = new Map<string, SlotQueue>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Resolves once `holder` has the slot of `pveNode`; call `release` when done. */
  async take(pveNode: string, holder: string): Promise<SlotTurn> {
    const started = this.#now();
    const queue = this.#queues.get(pveNode) ?? { holders: [], tail: Promise.resolve() };
    this.#queues.set(pveNode, queue);
    const after = [...queue.holders];
    let free = (): void => undefined;
    const mine = new Promise<void>((resolve) => (free = resolve));
    const before = queue.tail;
    queue.holders.push(holder);
    queue.tail = before.then(() => mine);
    await before;
    let released = false;
    return {
      after,
      waitedMs: this.#now() - started,
      release: () => {
        if (released) return;
        released = true;
        queue.holders.splice(queue.holders.indexOf(holder), 1);
        free();
      },
    };
  }
}

export interface ColdRestartTurn {
  host: string;
  /** The PVE node of the host's vm binding (none: the step fails without restarting anything). */
  pveNode: string | undefined;
  /** Whether the step will restart the VM (a node without pending hardware skips it and never waits). */
  restarts: boolean;
}

/** Runs the cold restart step in its PVE node's slot; the detail says whom it waited for, and how long. */
export async function inColdRestartSlot(
  slots: ColdRestartSlots,
  turn: ColdRestartTurn,
  step: () => Promise<StepOutcome>,
): Promise<StepOutcome> {
  if (!turn.restarts || turn.pveNode === undefined) return step();
  const slot = await slots.take(turn.pveNode, turn.host);
  try {
    const outcome = await step();
    if (slot.after.length === 0) return outcome;
    const whose = slot.after.map((h) => `${h}'s`).join(', ');
    const waited = `waited ${(slot.waitedMs / 1000).toFixed(1)} s for ${whose} cold restart${slot.after.length > 1 ? 's' : ''} on ${turn.pveNode}`;
    return { ...outcome, detail: outcome.detail ? `${waited}; ${outcome.detail}` : waited };
  } finally {
    slot.release();
  }
}
