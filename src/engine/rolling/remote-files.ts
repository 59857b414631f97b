// The roll's bookkeeping files on a node and the small remote commands that change them and the node's service state.
// Every command is built with `sh` (quoted); each is idempotent, so a resumed roll can repeat any of them.
import { dirname } from 'node:path';
import { raw, script, sh, type ShellCommand } from '../../core/shell.js';
import { normalizeLockText } from './lock.js';
import { setScript } from '../../modules/haproxy/scripts.js';
import type { StackPaths } from '../../stack/paths.js';

export interface RollFiles {
  /** This node is in a roll's batch (who, when, which run). */
  lock: string;
  /** The roll holds the fleet: on every node of the play while the roll runs or is left unfinished. */
  fleetLock: string;
  /** The node's last recorded phase (JSON), so a later run sees an interrupted one. */
  phase: string;
}

export function rollFiles(paths: StackPaths): RollFiles {
  const dir = dirname(paths.withdrawnFile); // /var/lib/ober-push: survives reboots, like the withdraw file
  return { lock: `${dir}/roll.lock`, fleetLock: `${dir}/roll-fleet.lock`, phase: `${dir}/phase` };
}

/**
 * Every change of a roll lock on a node runs under flock(2) on the lock's directory: the read, the compare and the
 * write are one atomic step against every other ober-push on any workstation. flock rather than a mkdir mutex
 * because the kernel drops it when the holding shell dies (a cut connection), so no stale mutex can be left.
 * (flock(1) is in util-linux, on every Debian node; the stray-packet relay relies on it too.)
 */
function underMutex(file: string, body: ShellCommand[]): ShellCommand {
  return script(
    sh`f=${file}; d=$(dirname "$f"); mkdir -p "$d" || exit 3`,
    raw('exec 9<"$d" && flock -w 10 9 || { echo "could not lock $d within 10 s" >&2; exit 3; }'),
    // Read as normalizeLockText does (lock.ts): whitespace runs become one space, none at the ends.
    raw(`cur=$(cat "$f" 2>/dev/null | tr -s ' \\t\\r\\n' '    ' | sed 's/^ //; s/ $//')`),
    body,
  );
}

/**
 * Compare and swap: write `content` when the lock is free (absent or empty) or holds exactly `expected` (the text
 * this run read before: its own earlier process's lock on resume, or the one --break-lock takes over).
 * Prints "acquired", or "held" and the current content.
 */
export function acquireScript(file: string, content: string, expected: string | null): ShellCommand {
  const matches =
    expected === null ? raw('[ -z "$cur" ]') : sh`{ [ -z "$cur" ] || [ "$cur" = ${normalizeLockText(expected)} ]; }`;
  return underMutex(file, [
    sh`if ${matches}; then printf '%s\\n' ${content} > "$f.tmp" && mv -f "$f.tmp" "$f" && echo acquired; exit; fi`,
    raw('echo held; printf "%s\\n" "$cur"'),
  ]);
}

/**
 * Undo an acquire: when the lock still holds exactly `ours`, put back `previous` (the lock it replaced) or, when
 * it was free, remove it. A roll that could not take every lock leaves each node as it found it.
 */
export function giveBackScript(file: string, ours: string, previous: string | null): ShellCommand {
  const back = previous === null ? raw('rm -f "$f"') : sh`printf '%s\n' ${previous} > "$f.tmp" && mv -f "$f.tmp" "$f"`;
  return underMutex(file, [
    sh`if [ "$cur" = ${normalizeLockText(ours)} ]; then ${back} && echo 'given back'; fi; exit 0`,
  ]);
}

/** Remove `file` only when its content contains `key` (holderKey: our own lock; runKey: a dead run's). */
export function releaseScript(file: string, key: string): ShellCommand {
  return underMutex(file, [sh`case "$cur" in *${key}*) rm -f "$f" ;; esac; exit 0`]);
}

export function writePhaseScript(file: string, content: string): ShellCommand {
  return sh`mkdir -p "$(dirname ${file})" && printf '%s\n' ${content} > ${`${file}.tmp`} && mv -f ${`${file}.tmp`} ${file}`;
}

/** HAProxy's drain switch: on, every response says "Connection: close" and /health answers 503. */
export function setDrainScript(socket: string, on: boolean): ShellCommand {
  return setScript(socket, `experimental-mode on; set var proc.ober_drain bool(${on ? 'true' : 'false'})`);
}

/** Undrain only when the runtime API answers (a stopped HAProxy starts undrained anyway). */
export function undrainIfRunningScript(socket: string): ShellCommand {
  return sh`( ${setDrainScript(socket, false)} ) || [ ! -S ${socket} ]`;
}

/** SIGHUP the announcer (ExaBGP's child) so it acts on the withdraw file at once; no-op when ExaBGP is down. */
const HUP_ANNOUNCER = raw(
  'pid=$(systemctl show -p MainPID --value ober-exabgp 2>/dev/null); if [ -n "$pid" ] && [ "$pid" != 0 ]; then for c in $(pgrep -P "$pid" -f ober-announcer); do kill -HUP "$c"; done; fi',
);

/** Create the withdraw file (BGP: the announcer withdraws; VRRP: keepalived's track_file drops the priority). */
export function withdrawScript(paths: StackPaths): ShellCommand {
  return sh`mkdir -p "$(dirname ${paths.withdrawnFile})" && : > ${paths.withdrawnFile} && ${HUP_ANNOUNCER}`;
}

export function announceScript(paths: StackPaths): ShellCommand {
  return sh`rm -f ${paths.withdrawnFile} && ${HUP_ANNOUNCER}`;
}
