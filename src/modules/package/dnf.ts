// dnf/yum family: probes (rpm -q, dnf --assumeno simulation), their parsers, and the commands.
import { raw, script, sh, type ShellCommand } from '../../core/shell.js';
import { parseSections, section } from '../common/probe.js';
import type { ActionKind, PkgAction, Simulation } from './types.js';

/** Round trip 1: for each spec, the installed packages satisfying it (`rpm -q` accepts name, name-version, name-version-release). */
export function rpmProbeScript(specs: string[]): ShellCommand {
  return script(
    specs.map((spec, i) =>
      script(
        raw(section(`rpm${i}`)),
        sh`rpm -q --qf '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}.%{ARCH}\\n' -- ${spec} 2>/dev/null || true`,
      ),
    ),
  );
}

/** Per spec: the installed name and version satisfying it, or null. "(none):" epochs are dropped. */
export function parseRpmProbe(
  stdout: string,
  specs: string[],
): Record<string, { name: string; version: string } | null> {
  const s = parseSections(stdout);
  const out: Record<string, { name: string; version: string } | null> = {};
  specs.forEach((spec, i) => {
    const line = (s.get(`rpm${i}`) ?? '').split('\n').find((l) => l.includes('\t'));
    const [name, version] = (line ?? '').split('\t');
    out[spec] = name && version ? { name, version: version.replace(/^(\(none\)|0):/, '') } : null;
  });
  return out;
}

export type DnfVerb = 'install' | 'upgrade' | 'remove' | 'reinstall';

export function dnfSimScript(bin: 'dnf' | 'yum', verb: DnfVerb, specs: string[], refresh: boolean): ShellCommand {
  const r = refresh ? ['--refresh'] : [];
  return script(
    raw(section(`sim-${verb}`)),
    sh`LC_ALL=C ${bin} ${r} --assumeno ${verb} -- ${specs} 2>&1; echo "rc=$?"`,
  );
}

const HEADERS: Array<[RegExp, ActionKind]> = [
  [
    /^(Installing|Installing dependencies|Installing weak dependencies|Installing group\/module packages|Installing dependent packages)$/,
    'install',
  ],
  [/^Upgrading( dependencies)?$/, 'upgrade'],
  [/^(Removing|Removing dependent packages|Removing unused dependencies|Removing dependencies)$/, 'remove'],
  [/^Downgrading$/, 'downgrade'],
  [/^Reinstalling$/, 'reinstall'],
];

/**
 * The transaction table that `dnf --assumeno` prints before "Operation aborted." (dnf 4 and dnf 5 layouts):
 * section headers ("Installing:", "Upgrading:", ...) then rows "name arch version repo size"; a long name
 * wraps onto its own line; dnf 5's "replacing ..." lines are skipped.
 */
export function parseDnfSim(text: string): Simulation {
  const actions: PkgAction[] = [];
  const errors: string[] = [];
  let kind: ActionKind | null = null;
  let pendingName: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const header = /^([A-Z][A-Za-z/ ]+):$/.exec(line.trim());
    if (header && header[1] && !raw.startsWith('   ')) {
      const match = HEADERS.find(([re]) => re.test(header[1] ?? ''));
      kind = match ? match[1] : null;
      pendingName = null;
      if (/^Transaction Summary/.test(header[1])) kind = null;
      continue;
    }
    if (/^Transaction Summary/.test(line)) {
      kind = null;
      continue;
    }
    if (/^(Error|No match for argument|Failed to resolve the transaction)/.test(line)) {
      errors.push(line.replace(/^Error: /, ''));
      continue;
    }
    if (kind === null || !/^\s/.test(raw) || /^\s+replacing\s/.test(raw)) continue;
    const cells = line.trim().split(/\s+/);
    if (cells.length === 1 && cells[0]) {
      pendingName = cells[0];
      continue;
    }
    const row = pendingName !== null ? [pendingName, ...cells] : cells;
    pendingName = null;
    const [name, , version] = row;
    if (name && version)
      actions.push({ kind, name, from: kind === 'remove' ? version : null, to: kind === 'remove' ? null : version });
  }
  return { actions, errors };
}

export function dnfCommand(bin: 'dnf' | 'yum', verb: DnfVerb, specs: string[], refresh: boolean): ShellCommand {
  const r = refresh ? ['--refresh'] : [];
  return sh`LC_ALL=C ${bin} -y ${[...r, verb]} -- ${specs}`;
}
