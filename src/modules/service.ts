// service: a systemd unit's run state, enablement and mask, from one `systemctl show` probe.
import { z } from 'zod';
import { defineModule, type Change, type Op } from '../core/module.js';
import { quote, raw, script, sh, type ShellCommand } from '../core/shell.js';
import { parseSections, requireOk, section } from './common/probe.js';

const UNIT = /^[A-Za-z0-9:_.@\\-]+$/;

export const serviceArgs = z
  .object({
    name: z
      .string()
      .regex(UNIT, 'expected a systemd unit name')
      .describe('Unit name; ".service" is implied when no suffix is given.'),
    state: z
      .enum(['started', 'stopped', 'restarted', 'reloaded'])
      .optional()
      .describe(
        'started/stopped converge; restarted always restarts; reloaded reloads a running unit (starts a stopped one).',
      ),
    enabled: z
      .boolean()
      .optional()
      .describe('Start at boot (systemctl enable/disable). Static units count as enabled.'),
    masked: z.boolean().optional().describe('Mask (cannot be started at all) or unmask the unit.'),
    daemon_reload: z
      .boolean()
      .default(false)
      .describe(
        'Run daemon-reload before acting when the unit is not loaded yet; a unit whose files changed on disk (NeedDaemonReload=yes) is always reloaded first.',
      ),
  })
  .strict()
  .refine(
    (a) =>
      !(
        a.masked === true &&
        (a.state === 'started' || a.state === 'restarted' || a.state === 'reloaded' || a.enabled === true)
      ),
    'a masked unit cannot be started or enabled',
  );

export type ServiceArgs = z.infer<typeof serviceArgs>;

export interface UnitState {
  id: string;
  loadState: string; // loaded | not-found | masked | error | bad-setting
  activeState: string; // active | inactive | failed | activating | deactivating | reloading
  subState: string;
  unitFileState: string; // enabled | disabled | static | masked | indirect | generated | alias | ...
  needDaemonReload: boolean;
  fragmentPath: string;
}

export const SHOW_PROPS = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'UnitFileState',
  'NeedDaemonReload',
  'FragmentPath',
  'DropInPaths',
];

export function unitName(name: string): string {
  return /\.(service|socket|timer|target|mount|path|slice|scope|automount|swap|device)$/.test(name)
    ? name
    : `${name}.service`;
}

/** Where admins (and copy/template tasks) put drop-ins; packages' own drop-ins come with a daemon-reload. */
const DROP_IN_DIRS = ['/etc/systemd/system', '/run/systemd/system'];

export function serviceProbeScript(name: string): ShellCommand {
  const unit = unitName(name);
  // Each directory quoted, the glob outside the quotes.
  const globs = raw(DROP_IN_DIRS.map((dir) => `${quote(`${dir}/${unit}.d`)}/*.conf`).join(' '));
  return script(
    raw(section('show')),
    sh`systemctl show --no-pager -p ${SHOW_PROPS.join(',')} -- ${unit}`,
    raw(section('dropins')),
    sh`for f in ${globs}; do if [ -e "$f" ]; then printf '%s\\n' "$f"; fi; done`,
  );
}

/**
 * systemd does not notice a drop-in directory created after the unit was loaded (NeedDaemonReload stays
 * "no"; systemd 252 caches the unit paths), so a loaded unit with a drop-in file on disk that is not in its
 * DropInPaths needs a daemon-reload too.
 */
export function parseShow(stdout: string): UnitState {
  const sections = parseSections(stdout);
  const text = sections.get('show') ?? stdout;
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return {
    id: m.get('Id') ?? '',
    loadState: m.get('LoadState') ?? '',
    activeState: m.get('ActiveState') ?? '',
    subState: m.get('SubState') ?? '',
    unitFileState: m.get('UnitFileState') ?? '',
    needDaemonReload:
      m.get('NeedDaemonReload') === 'yes' ||
      (m.get('LoadState') === 'loaded' &&
        unknownDropIns(sections.get('dropins') ?? '', m.get('DropInPaths') ?? '').length > 0),
    fragmentPath: m.get('FragmentPath') ?? '',
  };
}

/** Drop-in files on disk (one path per line) that the loaded unit does not know (DropInPaths, space-separated). */
export function unknownDropIns(onDisk: string, dropInPaths: string): string[] {
  const known = new Set(dropInPaths.split(/\s+/).filter((p) => p !== ''));
  return onDisk
    .split('\n')
    .map((l) => l.trim())
    .filter((p) => p !== '' && !known.has(p));
}

/** systemctl with a failure report: status and the last journal lines go to stderr, so the task error shows them. */
export function systemctlVerb(verb: string, unit: string): ShellCommand {
  return sh`u=${unit}; systemctl ${verb} -- "$u" || { rc=$?; systemctl status --no-pager -- "$u" >&2; journalctl -u "$u" -n 30 --no-pager >&2; exit $rc; }`;
}

const ENABLED = new Set([
  'enabled',
  'enabled-runtime',
  'static',
  'alias',
  'indirect',
  'generated',
  'linked',
  'linked-runtime',
]);
const RUNNING = new Set(['active', 'activating', 'reloading']);

export function planService(u: UnitState, a: ServiceArgs): Change[] {
  const unit = unitName(a.name);
  const steps: Array<{ word: string; op: Op }> = [];
  const notFound = u.loadState === 'not-found';
  const isMasked = u.unitFileState === 'masked' || u.unitFileState === 'masked-runtime' || u.loadState === 'masked';
  const exec = (command: ShellCommand): Op => ({ kind: 'exec', command });
  let repeats = false;

  if (a.masked === false && isMasked) steps.push({ word: 'unmask', op: exec(sh`systemctl unmask -- ${unit}`) });
  const maskedAfter = a.masked ?? isMasked;
  if (a.enabled === true && !maskedAfter && (notFound || !ENABLED.has(u.unitFileState))) {
    steps.push({ word: 'enable', op: exec(sh`systemctl enable -- ${unit}`) });
  }
  if (a.enabled === false && (u.unitFileState === 'enabled' || u.unitFileState === 'enabled-runtime')) {
    steps.push({ word: 'disable', op: exec(sh`systemctl disable -- ${unit}`) });
  }
  const running = RUNNING.has(u.activeState);
  if (a.state === 'started' && (!running || notFound))
    steps.push({ word: 'start', op: exec(systemctlVerb('start', unit)) });
  if ((a.state === 'stopped' || a.masked === true) && running)
    steps.push({ word: 'stop', op: exec(sh`systemctl stop -- ${unit}`) });
  if (a.state === 'restarted') {
    steps.push({ word: 'restart', op: exec(systemctlVerb('restart', unit)) });
    repeats = true;
  }
  if (a.state === 'reloaded') {
    steps.push(
      running
        ? { word: 'reload', op: exec(systemctlVerb('reload', unit)) }
        : { word: 'start', op: exec(systemctlVerb('start', unit)) },
    );
    repeats = running;
  }
  if (a.masked === true && !isMasked) steps.push({ word: 'mask', op: exec(sh`systemctl mask -- ${unit}`) });

  // Unit files changed on disk (or a new unit with daemon_reload) must be re-read before anything else.
  const reload = u.needDaemonReload || (a.daemon_reload && notFound);
  if (reload) steps.unshift({ word: 'daemon-reload', op: exec(raw('systemctl daemon-reload')) });
  if (steps.length === 0) return [];
  const change: Change = { summary: `${unit}: ${steps.map((s) => s.word).join(', ')}`, ops: steps.map((s) => s.op) };
  if (repeats) change.kind = 'action';
  // A unit not found now may come from an earlier task (a package, a template) in check mode.
  if (notFound) {
    change.uncertain = true;
    change.summary += ' (unit not found now)';
  }
  return [change];
}

export const serviceModule = defineModule<ServiceArgs, UnitState>({
  name: 'service',
  description: 'Start, stop, restart or reload a systemd unit; enable, disable, mask or unmask it.',
  args: serviceArgs,
  async gather(ctx, args) {
    return parseShow(
      requireOk(await ctx.exec(serviceProbeScript(args.name)), ctx.host, `systemctl show ${args.name}`).stdout,
    );
  },
  plan: planService,
  result: (u) => ({
    status: {
      ActiveState: u.activeState,
      SubState: u.subState,
      UnitFileState: u.unitFileState,
      LoadState: u.loadState,
    },
  }),
});
