// apt family: probes (dpkg-query, lists age, apt-get -s simulation), their parsers, and the commands.
import { raw, script, sh, type ShellCommand } from '../../core/shell.js';
import { section } from '../common/probe.js';
import type { PkgAction, Simulation } from './types.js';

// Assignments before the program: raw, or the shell would take the quoted word as the program's name.
const APT_ENV = raw('DEBIAN_FRONTEND=noninteractive LC_ALL=C');
// Waits for a held dpkg lock up to 120 s, then fails with apt's own "Could not get lock" message.
const LOCK = ['-o', 'DPkg::Lock::Timeout=120'];
const CONF = ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];

/** "haproxy=2.6.12-1" -> {name: "haproxy", version: "2.6.12-1"}; "libc6:amd64" keeps its arch in the name. */
export function splitAptSpec(spec: string): { name: string; version: string | null } {
  const eq = spec.indexOf('=');
  return eq < 0 ? { name: spec, version: null } : { name: spec.slice(0, eq), version: spec.slice(eq + 1) };
}

/** Round trip 1: installed versions and the lists' age; with `simulate`, the simulation too (state latest). */
export function aptProbeScript(names: string[], simulate: { verb: AptVerb; specs: string[] } | null): ShellCommand {
  const probe = script(
    raw('export LC_ALL=C'),
    raw(section('lists')),
    raw('echo "$(date +%s) $(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0)"'),
    raw(section('installed')),
    sh`dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n' -- ${names} 2>/dev/null || true`,
  );
  return simulate ? script(probe, aptSimScript(simulate.verb, simulate.specs)) : probe;
}

/** What apt-get is asked to do: reinstall is `install --reinstall` (it also installs a missing package). */
export type AptVerb = 'install' | 'remove' | 'reinstall';

function aptVerbArgs(verb: AptVerb): string[] {
  return verb === 'reinstall' ? ['install', '--reinstall'] : [verb];
}

/** The read-only simulation (no lock taken), in a "sim" section ending with "rc=N". */
export function aptSimScript(verb: AptVerb, specs: string[]): ShellCommand {
  return script(
    raw(section('sim')),
    sh`LC_ALL=C apt-get -s -q -o Debug::NoLocking=1 ${aptVerbArgs(verb)} -- ${specs} 2>&1; echo "rc=$?"`,
  );
}

/** dpkg-query lines "name\tversion\tii " -> installed versions (config-files-only "rc" entries are not installed). */
export function parseDpkgQuery(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (!name || !version || !status) continue;
    if (status[1] === 'i') out[name.replace(/:.*$/, '')] = version;
  }
  return out;
}

/** Seconds since the last `apt-get update` from "NOW MTIME"; null when the lists were never fetched. */
export function parseListsAge(text: string): number | null {
  const [now, mtime] = text.trim().split(/\s+/).map(Number);
  if (now === undefined || mtime === undefined || !Number.isFinite(now) || !mtime) return null;
  return Math.max(0, now - mtime);
}

/** `apt-get -s` output: Inst/Remv/Purg lines, E: errors and the trailing rc=N. */
export function parseAptSim(text: string): Simulation {
  const actions: PkgAction[] = [];
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    const inst = /^Inst (\S+) (?:\[([^\]]+)\] )?\((\S+)/.exec(line);
    if (inst && inst[1] && inst[3]) {
      const from = inst[2] ?? null;
      actions.push({
        kind: from === null ? 'install' : from === inst[3] ? 'reinstall' : 'upgrade',
        name: inst[1],
        from,
        to: inst[3],
      });
      continue;
    }
    const remv = /^(?:Remv|Purg) (\S+)(?: \[([^\]]+)\])?/.exec(line);
    if (remv && remv[1]) {
      actions.push({ kind: 'remove', name: remv[1], from: remv[2] ?? null, to: null });
      continue;
    }
    if (/^E: /.test(line)) errors.push(line.slice(3).trim());
  }
  const rc = /^rc=(\d+)$/m.exec(text);
  if (rc && rc[1] !== '0' && errors.length === 0) errors.push(`apt-get -s exited ${rc[1]}`);
  return { actions, errors };
}

export function aptUpdateCommand(): ShellCommand {
  // apt-get update leaves the lists directory's mtime alone when nothing changed; touch it so cache_valid_time sees the update.
  return sh`${APT_ENV} apt-get update -q ${LOCK} && touch /var/lib/apt/lists`;
}

export function aptCommand(verb: AptVerb, specs: string[]): ShellCommand {
  return sh`${APT_ENV} apt-get ${aptVerbArgs(verb)} -y -q ${LOCK} ${CONF} -- ${specs}`;
}
