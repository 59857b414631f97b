// Arming the stray-packet relay (templates/relay.nft.hbs) while a node leaves or rejoins the router's ECMP set.
// Linux's hash-threshold multipath moves some open connections at every change of the next-hop set, and not only
// the moved node's (removing or adding the first next hop shifts every boundary). So while a change is under way
// every node of the play relays packets of flows it does not know to all the others; the owner takes its copy.
// Several nodes of a batch may arm at once: each arm is recorded under its holder (the node being moved) in a
// file on the node, and the chain is emptied only when the last holder disarms. While armed, every node's HAProxy
// also closes keep-alive connections after their current response (proc.ober_close), so a connection the new
// hash moved reconnects (and lands where the hash now says) instead of living on as a stray.
import { raw, script, sh, type ShellCommand } from '../../core/shell.js';
import { setScript } from '../../modules/haproxy/scripts.js';
import type { StackPaths } from '../../stack/paths.js';
import type { NodeOps } from './node-ops.js';

/** Marks a relayed copy, so a node that does not own the flow drops it instead of relaying or resetting it. */
export const RELAY_MARK = 'cs5';

const CHAIN = 'ip ober_relay stray';

/** Add `holder` and (re)write the stray chain to copy strays to `peers`. Prints "armed", or "unavailable". */
export function armScript(paths: StackPaths, holder: string, peers: readonly string[]): ShellCommand {
  const dups = peers.map((p) => `dup to ${p}`).join(' ');
  const rules = [
    `flush chain ${CHAIN}`,
    `add rule ${CHAIN} ip dscp ${RELAY_MARK} drop`,
    `add rule ${CHAIN} ip dscp set ${RELAY_MARK} ${dups} drop`,
    '',
  ].join('\n');
  return script(
    withLock(paths),
    sh`nft list chain ${CHAIN.split(' ')} >/dev/null 2>&1 || { echo unavailable; exit 0; }`,
    sh`grep -qxF ${holder} "$f" || printf '%s\n' ${holder} >> "$f"`,
    sh`printf '%s' ${rules} | nft -f - && echo armed`,
    closeSwitch(paths, true),
  );
}

/** HAProxy's "close keep-alive after the response" switch; a HAProxy that is down or older than it is skipped. */
function closeSwitch(paths: StackPaths, on: boolean): ShellCommand {
  const set = setScript(paths.statsSocket, `experimental-mode on; set var proc.ober_close bool(${String(on)})`);
  return sh`( ${set} ) >/dev/null 2>&1 || true`;
}

/** Remove `holder`; empty the chain when no holder is left. Prints "disarmed", "held" or "unavailable". */
export function disarmScript(paths: StackPaths, holder: string): ShellCommand {
  return script(
    withLock(paths),
    sh`grep -vxF ${holder} "$f" > "$f.tmp" || true; mv -f "$f.tmp" "$f"`,
    raw('if [ -s "$f" ]; then echo held; exit 0; fi'),
    sh`nft flush chain ${CHAIN.split(' ')} 2>/dev/null && echo disarmed || echo unavailable`,
    closeSwitch(paths, false),
  );
}

/** Forget every holder and empty the chain: a roll that ended (or a process killed while armed) leaves no arm. */
export function clearScript(paths: StackPaths): ShellCommand {
  return script(
    withLock(paths),
    raw(': > "$f"'),
    sh`nft flush chain ${CHAIN.split(' ')} 2>/dev/null && echo cleared || echo unavailable`,
    closeSwitch(paths, false),
  );
}

/** `f` = the holders file, created if missing; fd 9 holds its lock for the rest of the script. */
function withLock(paths: StackPaths): ShellCommand {
  return sh`f=${paths.relayHolders}; mkdir -p "$(dirname "$f")" && touch "$f" && exec 9>"$f.lock" && flock 9`;
}

export interface RelayResult {
  /** Nodes whose relay could not be set (table missing: stack deployed before the relay; or unreachable). */
  unavailable: string[];
}

/** Arm (or disarm) the relay on every node of `fleet` for `holder`; each relays to all the others. */
export function setRelay(fleet: readonly NodeOps[], holder: string, on: boolean): Promise<RelayResult> {
  return onBgpNodes(fleet, (n, peers) =>
    on ? armScript(n.target.paths, holder, peers) : disarmScript(n.target.paths, holder),
  );
}

/** Clear the relay on every node of `fleet` (no holder left, chain empty). */
export function clearRelay(fleet: readonly NodeOps[]): Promise<RelayResult> {
  return onBgpNodes(fleet, (n) => clearScript(n.target.paths));
}

async function onBgpNodes(
  fleet: readonly NodeOps[],
  scriptFor: (n: NodeOps, peers: string[]) => ShellCommand,
): Promise<RelayResult> {
  const bgp = fleet.filter((n) => n.target.mode === 'bgp');
  if (bgp.length < 2) return { unavailable: [] }; // nobody to relay to
  const results = await Promise.all(
    bgp.map(async (n) => {
      const peers = bgp.filter((p) => p !== n).map((p) => p.target.address);
      // A node that cannot be reached only loses the relay; the steps that need it check it themselves.
      const r = await n.exec(scriptFor(n, peers), 10_000).catch(() => null);
      return { name: n.target.name, ok: r !== null && r.code === 0 && !r.stdout.includes('unavailable') };
    }),
  );
  return { unavailable: results.filter((r) => !r.ok).map((r) => r.name) };
}

/** A short note for the step detail, e.g. "; relay unavailable on lb02 (strays reset there)". */
export function relayNote(r: RelayResult): string {
  return r.unavailable.length === 0 ? '' : `; relay unavailable on ${r.unavailable.join(', ')} (strays reset there)`;
}
