// package: install, upgrade or remove packages with apt or dnf/yum. Gather runs the package manager's
// simulation (read-only), so check mode names exactly what would be installed, upgraded or removed.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TaskError } from '../../core/errors.js';
import { defineModule, type Change, type Op, type ReadContext } from '../../core/module.js';
import { script, type ShellCommand } from '../../core/shell.js';
import { parseSections, requireOk } from '../common/probe.js';
import { parseRemoteFile, planFile, remoteFileScript, sha256 } from '../common/remote-file.js';
import {
  aptCommand,
  aptProbeScript,
  aptSimScript,
  aptUpdateCommand,
  parseAptSim,
  parseDpkgQuery,
  parseListsAge,
  splitAptSpec,
  type AptVerb,
} from './apt.js';
import { dnfCommand, dnfSimScript, parseDnfSim, parseRpmProbe, rpmProbeScript } from './dnf.js';
import {
  packageArgs,
  specList,
  type PackageArgs,
  type PackageFacts,
  type PkgAction,
  type RepoFile,
  type Simulation,
} from './types.js';

const INSTALL_TIMEOUT_MS = 30 * 60_000;

/** repo.apt.key_file from the raw args, when it is a literal path (checked before any connection). */
function rawKeyFile(args: unknown): string | null {
  const at = (v: unknown, k: string): unknown =>
    v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  const file = at(at(at(args, 'repo'), 'apt'), 'key_file');
  return typeof file === 'string' && file !== '' && !file.includes('{{') ? file : null;
}

/** Wanted repository files: the key under /etc/apt/keyrings and a one-line sources entry signed by it. */
async function repoWanted(
  baseDir: string,
  repo: NonNullable<PackageArgs['repo']>['apt'],
): Promise<Array<{ path: string; content: Buffer }>> {
  const file = resolve(baseDir, repo.key_file);
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (err) {
    throw new TaskError(`cannot read key_file ${file}: ${(err as Error).message}`);
  }
  const armored = key.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
  const keyPath = `/etc/apt/keyrings/${repo.name}.${armored ? 'asc' : 'gpg'}`;
  const line = ['deb', `[signed-by=${keyPath}]`, repo.uri, repo.suite, ...repo.components].join(' ');
  return [
    { path: keyPath, content: key },
    { path: `/etc/apt/sources.list.d/${repo.name}.list`, content: Buffer.from(`# Managed by ober-push\n${line}\n`) },
  ];
}

function aptVerb(state: PackageArgs['state']): AptVerb {
  return state === 'absent' ? 'remove' : state === 'reinstalled' ? 'reinstall' : 'install';
}

function merge(a: Simulation, b: Simulation): Simulation {
  return { actions: [...a.actions, ...b.actions], errors: [...a.errors, ...b.errors] };
}

/** Specs that need work for present/absent, from what is installed. */
export function pendingSpecs(
  args: PackageArgs,
  f: Pick<PackageFacts, 'satisfied' | 'installed'>,
  split: (s: string) => string,
): string[] {
  const specs = specList(args.name);
  if (args.state === 'absent') return [...new Set(specs.map(split).filter((n) => f.installed[n] != null))];
  if (args.state === 'present') return specs.filter((s) => f.satisfied[s] == null);
  return specs; // latest and reinstalled act on every spec
}

/** The simulation the first probe runs (latest and reinstalled always act; present/absent only when needed). */
function firstSimulation(args: PackageArgs, specs: string[]): { verb: AptVerb; specs: string[] } | null {
  if (args.state === 'latest') return { verb: 'install', specs };
  if (args.state === 'reinstalled') return { verb: 'reinstall', specs };
  return null;
}

export function cacheStale(args: PackageArgs, cacheAge: number | null): boolean {
  return args.update_cache && (cacheAge === null || cacheAge >= args.cache_valid_time);
}

async function gatherApt(
  ctx: ReadContext,
  args: PackageArgs,
  repo: Array<{ path: string; content: Buffer }>,
): Promise<PackageFacts> {
  const specs = specList(args.name);
  const names = specs.map((s) => splitAptSpec(s).name);
  const first = firstSimulation(args, specs);
  const probe = script(
    aptProbeScript(names, first),
    repo.map((r, i) => remoteFileScript(r.path, sha256(r.content), `repo${i}-`)),
  );
  const out = requireOk(await ctx.exec(probe), ctx.host, 'probe packages').stdout;
  const s = parseSections(out);
  const installed = parseDpkgQuery(s.get('installed') ?? '');
  const satisfied: Record<string, string | null> = {};
  for (const spec of specs) {
    const { name, version } = splitAptSpec(spec);
    const have = installed[name] ?? null;
    satisfied[spec] = have !== null && (version === null || version === have) ? have : null;
  }
  const inst: Record<string, string | null> = Object.fromEntries(names.map((n) => [n, installed[n] ?? null]));
  const facts: PackageFacts = {
    manager: 'apt',
    satisfied,
    installed: inst,
    cacheAge: parseListsAge(s.get('lists') ?? ''),
    simulation: first ? parseAptSim(s.get('sim') ?? '') : null,
    repoFiles: repo.map((r, i): RepoFile => ({ ...r, remote: parseRemoteFile(out, `repo${i}-`) })),
  };
  if (first === null) {
    const pending = pendingSpecs(args, facts, (x) => splitAptSpec(x).name);
    if (pending.length > 0) {
      const sim = requireOk(
        await ctx.exec(aptSimScript(args.state === 'absent' ? 'remove' : 'install', pending)),
        ctx.host,
        'apt-get -s',
      );
      facts.simulation = parseAptSim(parseSections(sim.stdout).get('sim') ?? '');
    }
  }
  return facts;
}

async function gatherDnf(ctx: ReadContext, args: PackageArgs, bin: 'dnf' | 'yum'): Promise<PackageFacts> {
  const specs = specList(args.name);
  const rpm = parseRpmProbe(requireOk(await ctx.exec(rpmProbeScript(specs)), ctx.host, 'rpm -q').stdout, specs);
  const satisfied: Record<string, string | null> = {};
  const installed: Record<string, string | null> = {};
  for (const spec of specs) {
    satisfied[spec] = rpm[spec]?.version ?? null;
    if (rpm[spec]) installed[rpm[spec].name] = rpm[spec].version;
    else installed[spec] = null;
  }
  const facts: PackageFacts = { manager: bin, satisfied, installed, cacheAge: null, simulation: null, repoFiles: [] };
  const missing = specs.filter((s) => satisfied[s] === null);
  const present = specs.filter((s) => satisfied[s] !== null);
  const sims: ShellCommand[] = [];
  if (args.state === 'absent' && present.length > 0)
    sims.push(
      dnfSimScript(
        bin,
        'remove',
        present.map((s) => rpm[s]?.name ?? s),
        args.update_cache,
      ),
    );
  if (args.state !== 'absent' && missing.length > 0)
    sims.push(dnfSimScript(bin, 'install', missing, args.update_cache));
  if (args.state === 'latest' && present.length > 0)
    sims.push(dnfSimScript(bin, 'upgrade', present, args.update_cache));
  if (args.state === 'reinstalled' && present.length > 0)
    sims.push(dnfSimScript(bin, 'reinstall', present, args.update_cache));
  if (sims.length > 0) {
    const s = parseSections(requireOk(await ctx.exec(script(sims)), ctx.host, `${bin} --assumeno`).stdout);
    facts.simulation = ['sim-remove', 'sim-install', 'sim-upgrade', 'sim-reinstall']
      .map((k) => s.get(k))
      .filter((t): t is string => t !== undefined)
      .map(parseDnfSim)
      .reduce(merge, { actions: [], errors: [] });
  }
  return facts;
}

/** "install haproxy 2.6.12-1, socat 1.7.4; upgrade libc6 2.36-9 → 2.36-10; remove foo" */
export function describeActions(actions: PkgAction[]): string {
  const groups = new Map<string, string[]>();
  for (const a of actions) {
    const text =
      a.kind === 'upgrade' || a.kind === 'downgrade'
        ? `${a.name} ${a.from ?? '?'} → ${a.to ?? '?'}`
        : a.to
          ? `${a.name} ${a.to}`
          : a.from
            ? `${a.name} ${a.from}`
            : a.name;
    groups.set(a.kind, [...(groups.get(a.kind) ?? []), text]);
  }
  return [...groups].map(([kind, items]) => `${kind} ${items.join(', ')}`).join('; ');
}

export function planPackage(f: PackageFacts, args: PackageArgs): Change[] {
  const changes: Change[] = [];
  for (const r of f.repoFiles) changes.push(...planFile(r.remote, { path: r.path, content: r.content, mode: '0644' }));
  const apt = f.manager === 'apt';
  const repoChanged = changes.length > 0;
  const sim = f.simulation ?? { actions: [], errors: [] };
  // Lists that are fresh by mtime but do not know a requested package (a new image, a changed mirror) are updated too.
  const update = apt && (cacheStale(args, f.cacheAge) || repoChanged || (args.update_cache && sim.errors.length > 0));
  const split = apt ? (s: string) => splitAptSpec(s).name : (s: string) => s;
  const pending = pendingSpecs(args, f, split);
  // With a pending update (or a new repo) the simulation ran against the old lists: names it could not find may appear.
  if (sim.errors.length > 0 && !update) throw new TaskError(`package: ${sim.errors.join('; ')}`);
  const ops: Op[] = update ? [{ kind: 'exec', command: aptUpdateCommand(), timeoutMs: INSTALL_TIMEOUT_MS }] : [];
  const age = f.cacheAge === null ? 'never updated' : `${f.cacheAge}s old`;

  let work = false;
  let uncertain = false;
  if (args.state === 'reinstalled') {
    work = true;
  } else if (args.state === 'latest') {
    work = sim.actions.length > 0 || update || sim.errors.length > 0;
    uncertain = update; // the candidates after the update are unknown until it ran
  } else {
    work = pending.length > 0;
    uncertain = update && sim.errors.length > 0;
  }
  if (work) {
    if (apt)
      ops.push({
        kind: 'exec',
        command: aptCommand(aptVerb(args.state), pending),
        timeoutMs: INSTALL_TIMEOUT_MS,
      });
    else {
      const bin = f.manager === 'yum' ? 'yum' : 'dnf';
      const missing = pending.filter((s) => f.satisfied[s] == null);
      const have = pending.filter((s) => f.satisfied[s] != null);
      if (args.state === 'absent')
        ops.push({ kind: 'exec', command: dnfCommand(bin, 'remove', pending, false), timeoutMs: INSTALL_TIMEOUT_MS });
      if (args.state !== 'absent' && missing.length > 0)
        ops.push({
          kind: 'exec',
          command: dnfCommand(bin, 'install', missing, args.update_cache),
          timeoutMs: INSTALL_TIMEOUT_MS,
        });
      if ((args.state === 'latest' || args.state === 'reinstalled') && have.length > 0)
        ops.push({
          kind: 'exec',
          command: dnfCommand(bin, args.state === 'latest' ? 'upgrade' : 'reinstall', have, args.update_cache),
          timeoutMs: INSTALL_TIMEOUT_MS,
        });
    }
    const actions = sim.actions.map((a) =>
      a.kind === 'upgrade' && a.from === null ? { ...a, from: f.installed[a.name] ?? null } : a,
    );
    let summary =
      sim.actions.length > 0
        ? describeActions(actions)
        : args.state === 'latest'
          ? `install/upgrade ${pending.join(', ')} to the latest candidate`
          : `${aptVerb(args.state)} ${pending.join(', ')}`;
    if (sim.errors.length > 0) summary += ` (not in the current lists: ${sim.errors.join('; ')})`;
    if (update)
      summary = `apt-get update (lists ${age}), then ${summary}${args.state === 'latest' ? ' (simulated against the lists before the update)' : ''}`;
    const change: Change = { summary, ops };
    if (uncertain) change.uncertain = true;
    // A reinstall runs by design on every apply: an action, never a write that --verify expects to converge.
    if (args.state === 'reinstalled') change.kind = 'action';
    changes.push(change);
  } else if (update) {
    changes.push({ summary: `apt-get update (lists ${age})`, ops });
  }
  return changes;
}

export const packageModule = defineModule<PackageArgs, PackageFacts>({
  name: 'package',
  description:
    'Install, upgrade or remove packages (apt or dnf/yum); check mode names what a simulated run would change.',
  args: packageArgs,
  localFiles(args, baseDir) {
    const keyFile = rawKeyFile(args);
    return keyFile === null
      ? []
      : [{ arg: 'repo.apt.key_file', candidates: [resolve(baseDir, keyFile)], template: false }];
  },
  async gather(ctx, args) {
    const facts = await ctx.facts();
    const pm = facts.packageManager;
    if (args.repo && pm !== 'apt') throw new TaskError(`package: repo.apt given but ${ctx.host} uses ${pm}`);
    if (pm === 'apt') return gatherApt(ctx, args, args.repo ? await repoWanted(ctx.baseDir, args.repo.apt) : []);
    if (pm === 'dnf' || pm === 'yum') return gatherDnf(ctx, args, pm);
    throw new TaskError(`package: no supported package manager on ${ctx.host} (found: ${pm})`);
  },
  plan: planPackage,
  result: (f) => ({ simulated: f.simulation?.actions ?? [] }),
});
