// Placeholder until the rolling engine lands (issue 7): runs the play one batch at a time, with no withdraw or drain.
import pLimit from 'p-limit';
import type { HostSession } from '../host-session.js';
import type { PlayContext } from '../run-playbook.js';
import { toBatches } from '../run-playbook.js';

export async function runRollingPlay(ctx: PlayContext): Promise<void> {
  const { play } = ctx.item;
  const batches = toBatches(ctx.item.hosts, play.rolling?.serial ?? 1);
  ctx.env.emit({ type: 'play-start', play: play.name, hosts: ctx.item.hosts, batches });
  const limit = pLimit(Math.max(1, ctx.options.forks));
  for (const batch of batches) {
    const live = batch.map((n) => ctx.sessions.get(n)).filter((s): s is HostSession => s !== undefined && !s.stopped);
    await Promise.all(live.map((s) => limit(() => ctx.runHostTasks(s))));
    await Promise.all(live.map((s) => limit(() => ctx.runHandlers(s))));
    if (live.some((s) => s.stopped)) break;
  }
  ctx.env.emit({ type: 'play-end', play: play.name });
}
