// A rolling play: batch by batch, every node goes lock → capacity floor → withdraw (verified) → drain → the play's
// tasks and handlers (+ a Proxmox cold restart for pending hardware) → health gate → re-announce (verified) →
// settle → unlock. The first failure stops the roll: that node stays out of service, later nodes are untouched.
// Phases are journaled locally and on each node; see preflight.ts for how a later run treats what is left.
// With --limit the play's other hosts are still the fleet (roll-context.ts `counted`): probed, relayed and locked,
// never rolled.
import type { PlayContext } from '../play-context.js';
import { checkSchedule } from './check-schedule.js';
import { runBatches } from './roll-batches.js';
import { startRoll } from './roll-context.js';
import { finishRoll } from './roll-finish.js';
import { lockFleet } from './roll-fleet-lock.js';
import { journalFor, RollJournal } from './roll-journal.js';
import { preflightRoll } from './roll-preflight.js';

export async function runRollingPlay(ctx: PlayContext): Promise<void> {
  const rc = startRoll(ctx);
  const play = ctx.item.play.name;
  rc.emit({ type: 'play-start', play, hosts: ctx.item.hosts, batches: rc.batches.map((b) => [...b]) });
  if (ctx.options.check) {
    await checkSchedule(rc);
    rc.emit({ type: 'play-end', play });
    return;
  }
  const plan = await preflightRoll(rc);
  if (!plan) {
    rc.emit({ type: 'play-end', play, aborted: 'preflight: nothing was touched' });
    return;
  }
  const baseDir = rc.options.journalBaseDir ?? process.cwd();
  const { journal, file } = await RollJournal.open(baseDir, journalFor(rc));
  const locked = await lockFleet(rc, plan);
  const stopped = locked ? await runBatches(rc, plan, journal) : 'the fleet lock could not be taken on every node';
  await finishRoll(rc, journal, file, locked, stopped);
  await journal.flushed();
  rc.emit({ type: 'play-end', play, ...(stopped ? { aborted: stopped } : {}) });
}
