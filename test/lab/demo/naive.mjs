// The comparison: what an operator without ober-push might do. Restart HAProxy on each node in turn while its route
// stays announced (no withdraw, no drain; ignore-dependencies keeps the announcer up, as on a stack whose announcer
// does not follow HAProxy), waiting only until the router lists every node again before the next one.
import { execOnHost, routerNextHops, waitFor } from './lab.mjs';

export async function naiveRestart(state, { t0, say, aborted = () => false }) {
  say(
    '$ for each node: systemctl restart --job-mode=ignore-dependencies ober-haproxy   (route stays announced; next node once the router lists all again)',
  );
  const all = state.hosts.map((h) => h.address).join();
  const startedAt = Date.now();
  const nodes = [];
  for (const host of state.hosts) {
    if (aborted()) throw new Error(`stopped before ${host.name}`);
    const restartAt = Date.now();
    const r = await execOnHost(host, 'systemctl restart --job-mode=ignore-dependencies ober-haproxy');
    if (r.code !== 0) throw new Error(`${host.name}: restarting ober-haproxy failed (${r.code}): ${r.stderr.trim()}`);
    const restartedAt = Date.now();
    await waitFor(async () => (await routerNextHops(state)).join() === all, {
      timeoutMs: 60_000,
      what: `${host.name} back at the router`,
    });
    const backAt = Date.now();
    nodes.push({ host: host.name, restartAt, restartedAt, backAt });
    const s = (t) => ((t - t0) / 1000).toFixed(1).padStart(5);
    say(
      `  +${s(restartedAt)} s  ${host.name}  restarted ${((restartedAt - restartAt) / 1000).toFixed(1)} s; router lists it again at +${s(backAt).trim()} s`,
    );
  }
  return { exitCode: 0, startedAt, endedAt: Date.now(), nodes };
}
