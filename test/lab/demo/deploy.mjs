// Step 2: `ober-push deploy -i INV` (playbooks/site.yml) from bare hosts to an announced VIP, with the output a
// user would see, then verify at the router that every host carries the VIP.
import { startCli } from './cli.mjs';
import { hopNames, routerNextHops, shownPath, waitFor } from './lab.mjs';

export async function deployStack(state, { tty, outFd, say }) {
  const args = ['deploy', '-i', state.inventory, ...(tty ? [] : ['--reporter', 'plain'])];
  say(`$ npx ober-push ${args.map(shownPath).join(' ')}`);
  const startedAt = Date.now();
  const { exit } = startCli(args, tty ? 'inherit' : ['ignore', outFd, outFd]);
  const exitCode = await exit;
  const deployedAt = Date.now();
  const all = state.hosts.map((h) => h.address).join();
  let hops = await routerNextHops(state);
  if (exitCode === 0) {
    // ExaBGP was just (re)started by a handler: its BGP sessions take a moment to come up.
    hops = await waitFor(async () => ((hops = await routerNextHops(state)).join() === all ? hops : null), {
      timeoutMs: 60_000,
      what: 'every host as a next hop for the VIP at the router',
    }).catch(() => hops);
  }
  return {
    exitCode,
    seconds: Math.round((deployedAt - startedAt) / 100) / 10,
    announcedAfterSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    nextHops: hopNames(state, hops),
    allAnnounced: hops.join() === all,
  };
}
