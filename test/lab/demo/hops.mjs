// Watches the router's next hops for the VIP while a roll runs: every change with its time, so the verdict can
// show when each node left and came back as the router saw it.
import { hopNames, routerNextHops } from './lab.mjs';

export function watchHops(state, intervalMs = 100) {
  const changes = [];
  let watching = true;
  const note = (hops) => {
    const names = hopNames(state, hops);
    if (changes.length === 0 || names.join() !== changes[changes.length - 1].hops.join())
      changes.push({ at: Date.now(), hops: names });
  };
  const loop = (async () => {
    while (watching) {
      note(await routerNextHops(state));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    /** Stops watching; resolves with [{ at, hops }], the first entry being the state when watching began. */
    async stop() {
      watching = false;
      await loop;
      note(await routerNextHops(state));
      return changes;
    },
  };
}
