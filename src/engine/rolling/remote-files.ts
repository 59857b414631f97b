// The roll's bookkeeping files on a node and the small remote commands that change them and the node's service state.
// Every command is built with `sh` (quoted); each is idempotent, so a resumed roll can repeat any of them.
import { dirname } from 'node:path';
import { raw, sh } from '../../core/shell.js';
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
 * Create `file` with `content` unless it exists (noclobber: atomic); replace it only when it names run `takeover`
 * (our own run when resuming, or the run whose lock --break-lock takes over). Prints "acquired", or "held" + the file.
 */
export function acquireScript(file: string, content: string, takeover: string | null): string {
  return [
    sh`f=${file}; new=${content}; mkdir -p "$(dirname "$f")"`.text,
    'if (set -C; printf "%s\\n" "$new" > "$f") 2>/dev/null; then echo acquired; exit 0; fi',
    'cur=$(cat "$f" 2>/dev/null)',
    takeover === null
      ? 'echo held; printf "%s\\n" "$cur"'
      : sh`case "$cur" in *${`"runId":"${takeover}"`}*) printf "%s\\n" "$new" > "$f.tmp" && mv -f "$f.tmp" "$f" && echo acquired ;; *) echo held; printf "%s\\n" "$cur" ;; esac`.text,
  ].join('\n');
}

/** Remove `file` only when it belongs to run `runId` (never someone else's lock). */
export function releaseScript(file: string, runId: string): string {
  return sh`f=${file}; if grep -qF ${`"runId":"${runId}"`} "$f" 2>/dev/null; then rm -f "$f"; fi; exit 0`.text;
}

export function writePhaseScript(file: string, content: string): string {
  return sh`mkdir -p "$(dirname ${file})" && printf '%s\n' ${content} > ${`${file}.tmp`} && mv -f ${`${file}.tmp`} ${file}`.text;
}

/** HAProxy's drain switch: on, every response says "Connection: close" and /health answers 503. */
export function setDrainScript(socket: string, on: boolean): string {
  return setScript(socket, `experimental-mode on; set var proc.ober_drain bool(${on ? 'true' : 'false'})`);
}

/** Undrain only when the runtime API answers (a stopped HAProxy starts undrained anyway). */
export function undrainIfRunningScript(socket: string): string {
  return `( ${setDrainScript(socket, false)} ) || [ ! -S ${sh`${socket}`.text} ]`;
}

/** SIGHUP the announcer (ExaBGP's child) so it acts on the withdraw file at once; no-op when ExaBGP is down. */
const HUP_ANNOUNCER = raw(
  'pid=$(systemctl show -p MainPID --value ober-exabgp 2>/dev/null); if [ -n "$pid" ] && [ "$pid" != 0 ]; then for c in $(pgrep -P "$pid" -f ober-announcer); do kill -HUP "$c"; done; fi',
);

/** Create the withdraw file (BGP: the announcer withdraws; VRRP: keepalived's track_file drops the priority). */
export function withdrawScript(paths: StackPaths): string {
  return sh`mkdir -p "$(dirname ${paths.withdrawnFile})" && : > ${paths.withdrawnFile} && ${HUP_ANNOUNCER}`.text;
}

export function announceScript(paths: StackPaths): string {
  return sh`rm -f ${paths.withdrawnFile} && ${HUP_ANNOUNCER}`.text;
}
