// --check of a rolling play: the play's tasks in check mode on every rolled node (for the needs they would leave,
// e.g. a Proxmox cold restart), then the schedule the real run would follow, naming the fleet nodes --limit left
// out (not even contacted here). Nothing is locked, withdrawn or written.
import pLimit from 'p-limit';
import { nodeOf, type RollContext } from './roll-context.js';
import { pveNodeOf } from './domains.js';
import { planSchedule } from './schedule.js';

export async function checkSchedule(rc: RollContext): Promise<void> {
  const play = rc.play;
  const limit = pLimit(Math.max(1, play.options.forks));
  await Promise.all(
    rc.hosts.map((h) =>
      limit(async () => {
        const { session } = nodeOf(rc, h);
        if (session.stopped) return;
        await play.runHostTasks(session);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runHostTasks may have stopped it
        if (!session.stopped) await play.runHandlers(session);
      }),
    ),
  );
  const needs = new Map(rc.hosts.map((h) => [h, [...nodeOf(rc, h).session.needs.keys()]]));
  const pveNodes = new Map(
    rc.hosts.flatMap((h) => {
      const node = pveNodeOf(nodeOf(rc, h).session.host);
      return node === undefined ? [] : [[h, node] as const];
    }),
  );
  const batches = planSchedule(rc.batches, needs, { domains: rc.domains, pveNodes });
  const counted = rc.counted.length > 0 ? { counted: [...rc.counted] } : {};
  rc.emit({ type: 'rolling-schedule', runId: rc.me.runId, batches, ...counted });
}
