// The recap: one line per host, then what stopped each failed host. Shared by the plain and TTY reporters.
import type { ChalkInstance } from 'chalk';
import type { HostRecap } from '../engine/events.js';
import type { ChangeReport } from '../engine/events.js';
import { unifiedDiff } from '../render/diff.js';

export function formatRecap(c: ChalkInstance, hosts: HostRecap[], durationMs: number, check: boolean): string[] {
  const width = Math.max(4, ...hosts.map((h) => h.host.length));
  const lines = [c.bold(`RECAP${check ? ' (check mode: nothing was changed)' : ''}`)];
  for (const h of hosts) {
    const state = h.unreachable ? c.red('unreachable') : h.failed > 0 ? c.red('failed') : c.green('ok');
    const counts = [
      c.green(`ok=${h.ok}`),
      (h.changed ? c.yellow : c.dim)(`changed=${h.changed}`),
      (h.unknown ? c.magenta : c.dim)(`unknown=${h.unknown}`),
      c.dim(`skipped=${h.skipped}`),
      (h.failed ? c.red : c.dim)(`failed=${h.failed}`),
    ].join(' ');
    const needs = h.needs.length ? c.magenta(` needs: ${h.needs.join(', ')}`) : '';
    lines.push(`${h.host.padEnd(width)}  ${state.padEnd(12)} ${counts}${needs}`);
  }
  for (const h of hosts) {
    if (!h.failure) continue;
    const code = h.failure.exitCode !== undefined ? ` (exit ${h.failure.exitCode})` : '';
    lines.push(c.red(`${h.host}: stopped at "${h.failure.task}": ${h.failure.message}${code}`));
    if (h.failure.detail)
      lines.push(
        ...h.failure.detail
          .split('\n')
          .slice(-10)
          .map((l) => c.dim(`  | ${l}`)),
      );
  }
  lines.push(c.dim(`${hosts.length} host(s) in ${(durationMs / 1000).toFixed(2)}s`));
  return lines;
}

/** A change line plus, with --diff, its unified diff. */
export function formatChange(c: ChalkInstance, change: ChangeReport): string[] {
  const impact = change.impact && change.impact !== 'live' ? c.magenta(` [${change.impact}]`) : '';
  const lines = [`    ${change.summary}${impact}`];
  if (change.diff) {
    if (change.diff.hidden) lines.push(c.dim(`    (diff of ${change.diff.path} hidden: sensitive content)`));
    else {
      for (const line of unifiedDiff(change.diff.before, change.diff.after, change.diff.path).split('\n')) {
        if (line === '') continue;
        const color = line.startsWith('+')
          ? c.green
          : line.startsWith('-')
            ? c.red
            : line.startsWith('@@')
              ? c.cyan
              : c.dim;
        lines.push(`    ${color(line)}`);
      }
    }
  }
  return lines;
}
