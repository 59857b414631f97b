// sysctl: persist kernel parameters to one sysctl.d file and apply the changed ones live.
import { z } from 'zod';
import { TaskError } from '../core/errors.js';
import { defineModule, type Change } from '../core/module.js';
import { raw, script, sh, type ShellCommand } from '../core/shell.js';
import { absPath } from './common/args.js';
import { parseSections, requireOk, section } from './common/probe.js';
import { parseRemoteFile, remoteFileScript, sha256, type RemoteFile } from './common/remote-file.js';

const KEY = /^[a-z0-9_]+([./][A-Za-z0-9_:@+-]+)+$/;

export const sysctlArgs = z
  .object({
    values: z
      .record(z.string().regex(KEY, 'expected a sysctl key like net.core.somaxconn'), z.union([z.string(), z.number()]))
      .refine((v) => Object.keys(v).length > 0, 'give at least one key')
      .describe(
        'Keys and values, e.g. {net.core.somaxconn: 65535, net.ipv4.tcp_rmem: "4096 87380 134217728"}. An interface name with dots is written with "/" (net.ipv4.conf.eth0/100.rp_filter).',
      ),
    file: absPath
      .default('/etc/sysctl.d/99-ober-push.conf')
      .describe('The sysctl.d file that persists all the keys (rewritten as a whole).'),
    ignore_unavailable: z
      .boolean()
      .default(false)
      .describe(
        'A key missing from /proc/sys or read-only here (a container, a network namespace) is skipped with a warning instead of failing; it is written to the file as a comment only.',
      ),
  })
  .strict();

export type SysctlArgs = z.infer<typeof sysctlArgs>;

export type KeyState = { status: 'ok'; value: string } | { status: 'missing' } | { status: 'readonly'; value: string };

export interface SysctlFacts {
  keys: Record<string, KeyState>;
  file: RemoteFile;
}

/** "net.ipv4.conf.eth0/100.rp_filter" -> "/proc/sys/net/ipv4/conf/eth0.100/rp_filter" */
export function procPath(key: string): string {
  return (
    '/proc/sys/' +
    key
      .split('.')
      .map((part) => part.replace(/\//g, '.'))
      .join('/')
  );
}

/** Multi-value keys print tab-separated; compare and write them single-spaced. */
export function normalizeValue(value: string | number): string {
  return String(value).trim().split(/\s+/).join(' ');
}

export function sysctlProbeScript(keys: string[]): ShellCommand {
  const read = raw(
    'if [ ! -e "$p" ]; then echo missing; elif [ -w "$p" ]; then echo rw; cat "$p"; else echo ro; cat "$p"; fi',
  );
  return script(keys.map((key, i) => script(raw(section(`key${i}`)), sh`p=${procPath(key)}`, read)));
}

export function parseSysctlProbe(stdout: string, keys: string[]): Record<string, KeyState> {
  const sections = parseSections(stdout);
  const out: Record<string, KeyState> = {};
  keys.forEach((key, i) => {
    const text = sections.get(`key${i}`);
    if (text === undefined) throw new TaskError(`sysctl probe printed nothing for ${key}`);
    const [status = '', ...rest] = text.split('\n');
    const value = normalizeValue(rest.join(' '));
    out[key] =
      status === 'missing'
        ? { status: 'missing' }
        : status === 'ro'
          ? { status: 'readonly', value }
          : { status: 'ok', value };
  });
  return out;
}

function available(state: KeyState | undefined): state is Extract<KeyState, { status: 'ok' }> {
  return state?.status === 'ok';
}

/**
 * The persisted file. Unavailable keys (only with ignore_unavailable) are commented out: procps'
 * `sysctl --system` fails on a missing key even with the "-" prefix, and where the key exists (a real VM)
 * it is not skipped in the first place.
 */
export function sysctlFileContent(values: Record<string, string | number>, keys: Record<string, KeyState>): string {
  const lines = ['# Managed by ober-push (sysctl module). Local edits are overwritten.'];
  for (const [key, value] of Object.entries(values)) {
    const line = `${key} = ${normalizeValue(value)}`;
    lines.push(available(keys[key]) ? line : `# skipped, ${keys[key]?.status ?? 'unknown'} on this host: ${line}`);
  }
  return lines.join('\n') + '\n';
}

function unavailableWhy(key: string, state: KeyState | undefined): string {
  return state?.status === 'readonly'
    ? `${key} is read-only here (${procPath(key)})`
    : `${key} does not exist in this kernel/namespace (${procPath(key)})`;
}

export function planSysctl(facts: SysctlFacts, args: SysctlArgs): Change[] {
  const unavailable = Object.keys(args.values).filter((k) => !available(facts.keys[k]));
  const warnings = unavailable.map((k) => unavailableWhy(k, facts.keys[k]));
  if (unavailable.length > 0 && !args.ignore_unavailable) {
    throw new TaskError(
      `sysctl: ${unavailable.length === 1 ? 'a key is' : 'keys are'} unavailable: ${unavailable.join(', ')}`,
      warnings.join('\n'),
    );
  }
  const note = warnings.length > 0 ? ` [skipped with warning: ${unavailable.join(', ')}]` : '';
  const changes: Change[] = [];
  for (const [key, value] of Object.entries(args.values)) {
    const cur = facts.keys[key];
    const want = normalizeValue(value);
    if (!available(cur) || cur.value === want) continue;
    changes.push({
      summary: `${key}: ${cur.value} → ${want}`,
      ops: [{ kind: 'exec', command: sh`sysctl -q -w ${`${key}=${want}`}` }],
    });
  }
  const content = sysctlFileContent(args.values, facts.keys);
  if (facts.file.sha256 !== sha256(content)) {
    const before =
      facts.file.type === 'absent'
        ? null
        : facts.file.content !== null
          ? facts.file.content.toString('utf8')
          : '(not shown)\n';
    changes.push({
      summary: `${facts.file.type === 'absent' ? 'create' : 'update'} ${args.file}`,
      diff: { path: args.file, before, after: content },
      ops: [{ kind: 'put', path: args.file, content, mode: '0644' }],
    });
  }
  if (note !== '') for (const c of changes) c.summary += note;
  return changes;
}

export const sysctlModule = defineModule<SysctlArgs, SysctlFacts>({
  name: 'sysctl',
  description: 'Set kernel parameters live (sysctl -w, changed keys only) and persist them all in one sysctl.d file.',
  args: sysctlArgs,
  async gather(ctx, args) {
    const keyList = Object.keys(args.values);
    // Which keys exist decides the file content, so the (small) file is always fetched for comparison.
    const res = requireOk(
      await ctx.exec(script(sysctlProbeScript(keyList), remoteFileScript(args.file, ''))),
      ctx.host,
      'probe sysctl',
    );
    return { keys: parseSysctlProbe(res.stdout, keyList), file: parseRemoteFile(res.stdout) };
  },
  plan: planSysctl,
  result(facts, args) {
    const skipped = Object.keys(args.values).filter((k) => !available(facts.keys[k]));
    return { skipped, warnings: skipped.map((k) => unavailableWhy(k, facts.keys[k])) };
  },
});
