// systemd: daemon-reload / daemon-reexec for unit files, drop-ins and system.conf.d written earlier in the run.
import { z } from 'zod';
import { defineModule, type Change } from '../core/module.js';
import { raw, sh, type ShellCommand } from '../core/shell.js';
import { parseSections, requireOk, section } from './common/probe.js';

export const systemdArgs = z
  .object({
    daemon_reload: z
      .boolean()
      .default(false)
      .describe('Reload unit files when some loaded unit reports NeedDaemonReload=yes.'),
    daemon_reexec: z
      .boolean()
      .default(false)
      .describe(
        'Re-execute systemd when a manager config (system.conf, system.conf.d/*.conf) is newer than the last reexec by ober-push, or than the boot.',
      ),
    force: z.boolean().default(false).describe('Reload/reexec even when nothing looks stale (always a change).'),
  })
  .strict();

export type SystemdArgs = z.infer<typeof systemdArgs>;

export interface SystemdFacts {
  /** Units that report NeedDaemonReload=yes. */
  staleUnits: string[];
  /** Newest mtime (epoch s, with fractions) among the manager's config files and drop-in directories, 0 when none. */
  configMtime: number;
  /** When PID 1 last read its config: our reexec stamp, else the boot time (epoch s). */
  managerReadAt: number;
}

/** Written after each reexec; /run is emptied at boot, so without it the boot time counts. */
export const REEXEC_STAMP = '/run/ober-push/daemon-reexec.stamp';

const CONF_GLOBS =
  '/etc/systemd/system.conf /etc/systemd/system.conf.d/*.conf /run/systemd/system.conf.d/*.conf /usr/lib/systemd/system.conf.d/*.conf';
/** A removed (or renamed) drop-in leaves no file to stat: the directory's mtime tells. */
const CONF_DIRS = '/etc/systemd/system.conf.d /run/systemd/system.conf.d';
/** Sub-second mtimes: a drop-in written (or removed) in the same second as the last reexec still counts. */
const MTIME = `stat -c %.9Y "$f" 2>/dev/null || stat -c %Y "$f"`;

/**
 * The probe for one task. Stale units are only looked for when a reload is asked, and only among units whose
 * files or drop-ins live in /etc/systemd/system or /run/systemd/system (where playbooks write them): asking
 * systemd about every loaded unit cost ~0.35 s per host, the whole probe ~0.06 s now.
 */
export function systemdProbe(args: Pick<SystemdArgs, 'daemon_reload' | 'daemon_reexec'>): ShellCommand {
  const lines = [section('stale')];
  if (args.daemon_reload) {
    lines.push(
      `for f in /etc/systemd/system/* /run/systemd/system/*; do n=\${f##*/}; case "$n" in *.wants|*.requires) continue;; *.d) n=\${n%.d};; esac; case "$n" in *.*) echo "$n";; esac; done | sort -u | xargs -r systemctl show -p Id -p NeedDaemonReload -- 2>/dev/null | awk -F= '$1=="Id"{id=$2} $1=="NeedDaemonReload" && $2=="yes"{print id}'`,
    );
  }
  lines.push(section('conf'));
  if (args.daemon_reexec)
    lines.push(`for f in ${CONF_GLOBS} ${CONF_DIRS}; do if [ -e "$f" ]; then ${MTIME}; fi; done | sort -n | tail -1`);
  lines.push(section('read'));
  if (args.daemon_reexec)
    lines.push(
      `if [ -e ${REEXEC_STAMP} ]; then f=${REEXEC_STAMP}; ${MTIME}; else awk '/^btime /{print $2}' /proc/stat; fi`,
    );
  return raw(lines.join('\n')); // constants only
}

export function parseSystemdProbe(stdout: string): SystemdFacts {
  const s = parseSections(stdout);
  const num = (k: string): number => Number((s.get(k) ?? '').trim() || '0');
  const stale = (s.get('stale') ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { staleUnits: stale, configMtime: num('conf'), managerReadAt: num('read') };
}

export function planSystemd(f: SystemdFacts, a: SystemdArgs): Change[] {
  const changes: Change[] = [];
  // A reexec also reloads units, so it goes first and a reload is only added when no reexec runs.
  const reexec = a.daemon_reexec && (a.force || f.configMtime > f.managerReadAt);
  if (reexec) {
    changes.push({
      summary: a.force
        ? 'systemd daemon-reexec (forced)'
        : 'systemd daemon-reexec (manager config changed since it was last read)',
      ops: [{ kind: 'exec', command: sh`systemctl daemon-reexec && mkdir -p /run/ober-push && touch ${REEXEC_STAMP}` }],
    });
  }
  if (a.daemon_reload && !reexec && (a.force || f.staleUnits.length > 0)) {
    const why = f.staleUnits.length > 0 ? ` (changed on disk: ${f.staleUnits.join(', ')})` : ' (forced)';
    changes.push({
      summary: `systemd daemon-reload${why}`,
      ops: [{ kind: 'exec', command: raw('systemctl daemon-reload') }],
    });
  }
  if (a.force) for (const c of changes) c.kind = 'action';
  return changes;
}

export const systemdModule = defineModule<SystemdArgs, SystemdFacts>({
  name: 'systemd',
  description: 'Reload or re-execute the systemd manager when unit files or manager config changed (handler-friendly).',
  args: systemdArgs,
  async gather(ctx, args) {
    return parseSystemdProbe(requireOk(await ctx.exec(systemdProbe(args)), ctx.host, 'probe systemd').stdout);
  },
  plan: planSystemd,
});
