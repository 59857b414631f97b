// Exit codes (documented in the README). When several apply, the first in this order wins:
// invalid input (2) > a task failed (1) > a host unreachable (4) > changes found in check mode (3) > success (0).
import type { RunSummary } from '../engine/run-playbook.js';

export const ExitCode = {
  ok: 0,
  taskFailed: 1,
  invalidInput: 2,
  changesFound: 3,
  unreachable: 4,
  interrupted: 130,
} as const;

export function exitCodeFor(summary: RunSummary, options: { check: boolean; detailedExitcode: boolean }): number {
  if (summary.hosts.some((h) => h.failed > 0 && !h.unreachable)) return ExitCode.taskFailed;
  if (summary.hosts.some((h) => h.unreachable)) return ExitCode.unreachable;
  if (summary.interrupted) return ExitCode.interrupted;
  if (options.check && options.detailedExitcode && summary.hosts.some((h) => h.changed + h.unknown > 0))
    return ExitCode.changesFound;
  return ExitCode.ok;
}
